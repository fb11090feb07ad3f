"""``Receiver``: a webhook endpoint that makes named GitSources refresh when a forge pushes.

The daemon serves ``POST /hooks/<name>`` for every Receiver; a request signed with the
shared secret (key ``token`` of the Secret in ``secretRef``) refreshes the ``sources``
whose ref the push can change. The payload only selects what to refresh: revisions
always come from Git. The loader checks that the Secret, its token and the sources
exist (:mod:`trueup.config.receiver_refs`).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Final, Literal, Self, TypeVar

from pydantic import AfterValidator, BeforeValidator, Field, ValidationInfo, model_validator
from pydantic_core import PydanticCustomError

from trueup.config.meta import API_VERSION, ConfigModel, ConfigObject, Name, SecretRef

TOKEN: Final = "token"  # noqa: S105 - a key name, not a secret
"""Key of the shared secret in the Secret a Receiver's ``secretRef`` names."""


class ReceiverType(StrEnum):
    """Which forge sends the hooks, and so how they are signed and what their events are."""

    GITHUB = "github"
    GITLAB = "gitlab"
    GITEA = "gitea"
    """Gitea and Forgejo."""
    GENERIC = "generic"
    """Anything that can sign its body with HMAC-SHA256 (a CI job, a script)."""
    REGISTRY = "registry"
    """A container registry's push notifications (the distribution registry's
    ``notifications`` endpoints), with ``Authorization: Bearer <token>``; they make
    ``imageRepositories`` scan at once instead of ``sources`` refresh."""


class HookEvent(StrEnum):
    """What a hook reports, in trueup's words; ``spec.events`` lists the ones that refresh.

    ``push`` stands for every push, of branches and of tags alike (it is what GitHub and
    Gitea call both); ``tag_push`` for pushes of tags only.
    """

    PUSH = "push"
    TAG_PUSH = "tag_push"

    def selected_by(self, events: frozenset[HookEvent]) -> bool:
        """Whether a hook of this kind refreshes, given a Receiver's ``spec.events``."""
        return self in events or HookEvent.PUSH in events


def _choice(kind: type[StrEnum], what: str) -> BeforeValidator:
    values = [member.value for member in kind]
    known = ", ".join(values)

    def check(value: object) -> object:
        if not isinstance(value, str) or value not in values:
            raise PydanticCustomError(
                f"receiver_{what.replace(' ', '_')}",
                "'{value}' is not a {what}",
                {"value": str(value)[:80], "what": what, "hint": f"use one of {known}"},
            )
        return value

    return BeforeValidator(check)


T = TypeVar("T")


def _some_distinct(what: str, *, empty_ok: bool = False) -> AfterValidator:
    def check(values: tuple[T, ...]) -> tuple[T, ...]:
        if not values and not empty_ok:
            raise _empty(what)
        seen: set[T] = set()
        for value in values:
            if value in seen:
                raise PydanticCustomError(
                    "receiver_twice",
                    "'{value}' is listed twice",
                    {"value": str(value)[:80], "hint": "list each entry once"},
                )
            seen.add(value)
        return values

    return AfterValidator(check)


def _empty(what: str) -> PydanticCustomError:
    return PydanticCustomError(
        "receiver_empty", "the list is empty", {"hint": f"list at least one {what}"}
    )


def _sources_omitted(value: object, info: ValidationInfo) -> object:
    # ``sources`` is required but for a registry Receiver: omitted, it arrives as None.
    if value is not None:
        return value
    if info.data.get("type") is ReceiverType.REGISTRY:
        return ()
    raise PydanticCustomError("missing", "required field is missing")


def _sources_fit_the_type(values: tuple[str, ...], info: ValidationInfo) -> tuple[str, ...]:
    kind = info.data.get("type")
    if kind is ReceiverType.REGISTRY and values:
        raise PydanticCustomError(
            "receiver_registry_sources",
            "a registry Receiver makes ImageRepositories scan, not GitSources refresh",
            {"hint": "list them under imageRepositories instead"},
        )
    if kind is not None and kind is not ReceiverType.REGISTRY and not values:
        raise _empty("GitSource name")
    return values


def _images_fit_the_type(values: tuple[str, ...], info: ValidationInfo) -> tuple[str, ...]:
    kind = info.data.get("type")
    if kind is ReceiverType.REGISTRY and not values:
        raise _empty("ImageRepository name")
    if kind is not None and kind is not ReceiverType.REGISTRY and values:
        raise PydanticCustomError(
            "receiver_images",
            "only a registry Receiver makes ImageRepositories scan",
            {"hint": "use type: registry, or remove imageRepositories"},
        )
    return values


class ReceiverSpec(ConfigModel):
    """``spec`` of a ``Receiver``; ``events`` defaults to ``[push]``."""

    type: Annotated[ReceiverType, _choice(ReceiverType, "receiver type")]
    """The forge that sends the hooks: how requests are signed and read."""
    secret_ref: SecretRef
    """A Secret in the Receiver's namespace whose key ``token`` is the shared secret."""
    sources: Annotated[
        tuple[Name, ...],
        BeforeValidator(_sources_omitted),
        _some_distinct("GitSource name", empty_ok=True),
        AfterValidator(_sources_fit_the_type),
    ] = Field(default=None, validate_default=True)
    """GitSources in the Receiver's namespace that a push may refresh (not for registry)."""
    image_repositories: Annotated[
        tuple[Name, ...],
        _some_distinct("ImageRepository name", empty_ok=True),
        AfterValidator(_images_fit_the_type),
    ] = ()
    """ImageRepositories in the Receiver's namespace that a registry's push notification
    makes scan at once (``type: registry`` only)."""
    events: Annotated[
        tuple[Annotated[HookEvent, _choice(HookEvent, "hook event")], ...],
        _some_distinct("event: push or tag_push"),
    ] = (HookEvent.PUSH,)
    """The events that refresh; any other event is answered 200 and does nothing."""

    @model_validator(mode="after")
    def _registry_names_images(self) -> Self:
        # Checked here when imageRepositories is left out (a written list is checked above).
        if self.type is ReceiverType.REGISTRY and not self.image_repositories:
            raise PydanticCustomError(
                "receiver_registry_images",
                "a registry Receiver needs imageRepositories",
                {"hint": "list at least one ImageRepository name under imageRepositories"},
            )
        return self


class Receiver(ConfigObject):
    """A webhook endpoint, ``POST /hooks/<name>``, that refreshes GitSources on a push.

    Names are unique across the whole configuration: the URL carries no namespace.
    """

    api_version: Literal["trueup.dev/v1alpha1"] = API_VERSION
    kind: Literal["Receiver"] = "Receiver"
    spec: ReceiverSpec

"""``Receiver``: a webhook endpoint that makes named GitSources refresh when a forge pushes.

The daemon serves ``POST /hooks/<name>`` for every Receiver; a request signed with the
shared secret (key ``token`` of the Secret in ``secretRef``) refreshes the ``sources``
whose ref the push can change. The payload only selects what to refresh: revisions
always come from Git. The loader checks that the Secret, its token and the sources
exist (:mod:`trueup.config.receiver_refs`).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Final, Literal, TypeVar

from pydantic import AfterValidator, BeforeValidator
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


def _some_distinct(what: str) -> AfterValidator:
    def check(values: tuple[T, ...]) -> tuple[T, ...]:
        if not values:
            raise PydanticCustomError(
                "receiver_empty", "the list is empty", {"hint": f"list at least one {what}"}
            )
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


class ReceiverSpec(ConfigModel):
    """``spec`` of a ``Receiver``; ``events`` defaults to ``[push]``."""

    type: Annotated[ReceiverType, _choice(ReceiverType, "receiver type")]
    """The forge that sends the hooks: how requests are signed and read."""
    secret_ref: SecretRef
    """A Secret in the Receiver's namespace whose key ``token`` is the shared secret."""
    sources: Annotated[tuple[Name, ...], _some_distinct("GitSource name")]
    """GitSources in the Receiver's namespace that a push may refresh."""
    events: Annotated[
        tuple[Annotated[HookEvent, _choice(HookEvent, "hook event")], ...],
        _some_distinct("event: push or tag_push"),
    ] = (HookEvent.PUSH,)
    """The events that refresh; any other event is answered 200 and does nothing."""


class Receiver(ConfigObject):
    """A webhook endpoint, ``POST /hooks/<name>``, that refreshes GitSources on a push.

    Names are unique across the whole configuration: the URL carries no namespace.
    """

    api_version: Literal["trueup.dev/v1alpha1"] = API_VERSION
    kind: Literal["Receiver"] = "Receiver"
    spec: ReceiverSpec

"""``Provider``: where notifications go (a chat service's webhook, or any HTTP endpoint).

Named as in Flux's notification-controller: ``type`` says how the payload is written,
``address`` is the URL it is posted to, ``secretRef`` names a Secret in the Provider's
namespace that may hold the URL instead (key ``address``: a Slack, Teams or Discord
webhook URL is itself a credential) and, for ``webhook``, the key that signs the body
(key ``token``). The loader checks the Secret and its keys
(:mod:`trueup.config.notify_refs`).

The forge types (``github``, ``gitlab``, ``gitea``) post commit statuses instead: their
``address`` is the repository's web page (``https://github.com/org/deploy``), ``apiURL``
the forge's API root when it is not the usual one for that host, the Secret's key
``token`` the API token, and ``cluster`` the name the status context carries
(``trueup/<cluster>/<app>``; the installation id when left out).
"""

from __future__ import annotations

from datetime import timedelta
from enum import StrEnum
from typing import Annotated, Final, Literal, Self
from urllib.parse import urlsplit

from pydantic import AfterValidator, BeforeValidator, Field, model_validator
from pydantic_core import PydanticCustomError

from trueup.config.duration import PositiveDuration
from trueup.config.meta import API_VERSION, ConfigModel, ConfigObject, Name, SecretRef
from trueup.forge.address import AddressError, repository_of
from trueup.forge.model import ForgeKind

ADDRESS: Final = "address"
"""Key of the URL in the Secret a Provider's ``secretRef`` names."""
TOKEN: Final = "token"  # noqa: S105 - a key name, not a secret
"""Key of the HMAC-SHA256 signing key of a ``webhook`` Provider, or of the API token of a
forge Provider, in the same Secret."""

MAX_URL_LENGTH: Final = 2048


class ProviderType(StrEnum):
    """Which service receives the notifications, and so how the payload is written."""

    WEBHOOK = "webhook"
    """Any HTTP endpoint: trueup's own JSON, signed when the Secret holds a ``token``."""
    SLACK = "slack"
    """A Slack incoming webhook (Block Kit ``blocks``)."""
    MSTEAMS = "msteams"
    """A Microsoft Teams Workflows webhook (an Adaptive Card)."""
    DISCORD = "discord"
    """A Discord channel webhook (``embeds``)."""
    GITHUB = "github"
    """Commit statuses on a GitHub (or GitHub Enterprise) repository."""
    GITLAB = "gitlab"
    """Commit statuses on a GitLab project."""
    GITEA = "gitea"
    """Commit statuses on a Gitea (or Forgejo) repository."""

    @property
    def forge(self) -> ForgeKind | None:
        """The forge whose commit statuses this type posts, or None for a chat/webhook type."""
        return ForgeKind(self.value) if self.value in set(ForgeKind) else None


def url_problem(url: str) -> str | None:
    """Why ``url`` cannot receive notifications (a message that never repeats it), or None.

    Only ``http`` and ``https`` URLs with a host and no ``user:password@`` part are
    accepted: the URL may be a credential, and so is never shown.
    """
    if len(url) > MAX_URL_LENGTH:
        return f"is longer than {MAX_URL_LENGTH} characters"
    if any(c.isspace() or not c.isprintable() for c in url):
        return "contains whitespace or control characters"
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a bad port
    except ValueError:
        return "is not a valid URL"
    if parts.scheme not in ("http", "https"):
        return "must start with https:// or http://"
    if not parts.hostname:
        return "has no host"
    if parts.username is not None or parts.password is not None:
        return "must not carry user:password@ (use secretRef for what is secret)"
    return None


def _check_url(url: str) -> str:
    problem = url_problem(url)
    if problem is not None:
        raise PydanticCustomError(
            "notify_url",
            "the URL {problem}",
            {"problem": problem, "hint": "write the endpoint's http(s) URL"},
        )
    return url


_TYPES: Final = ", ".join(t.value for t in ProviderType)


def _check_type(value: object) -> object:
    if not isinstance(value, str) or value not in {t.value for t in ProviderType}:
        raise PydanticCustomError(
            "provider_type",
            "'{value}' is not a provider type",
            {"value": str(value)[:80], "hint": f"use one of {_TYPES}"},
        )
    return value


HttpUrl = Annotated[str, AfterValidator(_check_url)]
"""An http(s) URL without credentials in it."""


class ProviderSpec(ConfigModel):
    """``spec`` of a ``Provider``: exactly one of ``address`` and ``secretRef`` gives the URL."""

    type: Annotated[ProviderType, BeforeValidator(_check_type)]
    """The service that receives the notifications: how the payload is written."""
    address: HttpUrl | None = None
    """The URL notifications are posted to, when it is no secret."""
    secret_ref: SecretRef | None = None
    """A Secret holding the URL (key ``address``) and, for ``webhook``, the signing key
    (key ``token``)."""
    dashboard_url: HttpUrl | None = Field(default=None, alias="dashboardURL")
    """trueup's dashboard: each notification links to ``<dashboardURL>/apps/<app>``."""
    timeout: PositiveDuration = timedelta(seconds=10)
    """How long one delivery attempt may take, connecting included."""
    api_url: HttpUrl | None = Field(default=None, alias="apiURL")
    """Forge types only: the forge's API root, when not the usual one for the address's host
    (``https://api.github.com``, ``<host>/api/v3``, ``<host>/api/v4``, ``<host>/api/v1``)."""
    cluster: Name | None = None
    """Forge types only: the cluster name in the status context ``trueup/<cluster>/<app>``;
    the installation id when left out."""

    @model_validator(mode="after")
    def _a_forge(self) -> Self:
        forge = self.type.forge
        if forge is None:
            for given, field in ((self.api_url, "apiURL"), (self.cluster, "cluster")):
                if given is not None:
                    raise PydanticCustomError(
                        "provider_forge_field",
                        "{field} is for the forge types only",
                        {
                            "field": field,
                            "hint": f"remove {field}, or use type github, gitlab or gitea",
                        },
                    )
            return self
        if self.address is None or self.secret_ref is None:
            raise PydanticCustomError(
                "provider_forge",
                "a {type} Provider needs spec.address and spec.secretRef",
                {
                    "type": self.type.value,
                    "hint": "write the repository's web URL in spec.address "
                    "(https://host/owner/name) and name a Secret holding the API token under "
                    f"the key {TOKEN} in spec.secretRef",
                },
            )
        try:
            repository_of(forge, self.address, self.api_url)
        except AddressError as e:
            raise PydanticCustomError(
                "provider_forge_address",
                "{problem}",
                {
                    "problem": str(e),
                    "hint": "write the repository's web URL, https://host/owner/name",
                },
            ) from e
        return self

    @model_validator(mode="after")
    def _an_address(self) -> Self:
        if self.address is None and self.secret_ref is None:
            raise PydanticCustomError(
                "provider_address",
                "the Provider has no address",
                {
                    "hint": "write spec.address, or name a Secret holding it under the key "
                    f"{ADDRESS} in spec.secretRef"
                },
            )
        return self


class Provider(ConfigObject):
    """A destination for notifications; Alerts name it in ``spec.providerRef``."""

    api_version: Literal["trueup.dev/v1alpha1"] = API_VERSION
    kind: Literal["Provider"] = "Provider"
    spec: ProviderSpec

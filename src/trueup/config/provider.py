"""``Provider``: where notifications go (a chat service's webhook, or any HTTP endpoint).

Named as in Flux's notification-controller: ``type`` says how the payload is written,
``address`` is the URL it is posted to, ``secretRef`` names a Secret in the Provider's
namespace that may hold the URL instead (key ``address``: a Slack, Teams or Discord
webhook URL is itself a credential) and, for ``webhook``, the key that signs the body
(key ``token``). The loader checks the Secret and its keys
(:mod:`trueup.config.notify_refs`).
"""

from __future__ import annotations

from datetime import timedelta
from enum import StrEnum
from typing import Annotated, Final, Literal, Self
from urllib.parse import urlsplit

from pydantic import AfterValidator, BeforeValidator, Field, model_validator
from pydantic_core import PydanticCustomError

from trueup.config.duration import PositiveDuration
from trueup.config.meta import API_VERSION, ConfigModel, ConfigObject, SecretRef

ADDRESS: Final = "address"
"""Key of the URL in the Secret a Provider's ``secretRef`` names."""
TOKEN: Final = "token"  # noqa: S105 - a key name, not a secret
"""Key of the HMAC-SHA256 signing key of a ``webhook`` Provider, in the same Secret."""

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

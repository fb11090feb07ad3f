"""The HTTP request one notification becomes, for each Provider type.

Pure: a :class:`~trueup.notify.message.Notification` (already masked) and the Provider's
type and signing key in, the exact body bytes and headers out. What the services expect
is written in their own modules (:mod:`~trueup.notify.slack`,
:mod:`~trueup.notify.msteams`, :mod:`~trueup.notify.discord`,
:mod:`~trueup.notify.webhook`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Final

import orjson

from trueup import __version__
from trueup.config.provider import ProviderType
from trueup.notify.discord import discord_payload
from trueup.notify.message import Notification
from trueup.notify.msteams import msteams_payload
from trueup.notify.slack import slack_payload
from trueup.notify.webhook import SIGNATURE_HEADER, signature, webhook_payload

USER_AGENT: Final = f"trueup/{__version__}"

_PAYLOADS: Final[Mapping[ProviderType, Callable[[Notification], dict[str, Any]]]] = {
    ProviderType.WEBHOOK: webhook_payload,
    ProviderType.SLACK: slack_payload,
    ProviderType.MSTEAMS: msteams_payload,
    ProviderType.DISCORD: discord_payload,
}


@dataclass(frozen=True, slots=True)
class Request:
    """A POST's body and headers (the URL stays with the Provider: it may be secret)."""

    body: bytes
    headers: Mapping[str, str]


def request_for(
    provider_type: ProviderType, notification: Notification, signing_key: bytes | None = None
) -> Request:
    """The request that delivers ``notification`` to a Provider of ``provider_type``;
    signed with ``signing_key`` (``webhook`` only) when one is given."""
    body = orjson.dumps(_PAYLOADS[provider_type](notification))
    headers = {"Content-Type": "application/json", "User-Agent": USER_AGENT}
    if signing_key is not None and provider_type is ProviderType.WEBHOOK:
        headers[SIGNATURE_HEADER] = signature(signing_key, body)
    return Request(body, MappingProxyType(headers))

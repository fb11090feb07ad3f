"""Registry credentials from a docker ``config.json``, the way ``docker login`` writes it.

An ImageRepository's ``secretRef`` names a Secret whose key ``.dockerconfigjson`` holds
``{"auths": {"HOST[:PORT]": {"auth": base64("user:password")}}}`` (or ``username`` and
``password`` in place of ``auth``). Entries are matched to a registry by exact host and
port: the credentials of one host are never offered to another. Docker Hub's several
names (``docker.io``, ``index.docker.io``, ``registry-1.docker.io`` and its token server
``auth.docker.io``) count as one host, since that is how ``docker login`` stores them.
Two keys for one host (``https://r.example/v1/`` and ``r.example``) are refused, not
resolved by their order. ``auth`` is accepted with or without base64 padding.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Final

DOCKER_CONFIG_KEY: Final = ".dockerconfigjson"
"""Key of the docker ``config.json`` in the Secret an ImageRepository's ``secretRef`` names."""

_DOCKER_HUB: Final = frozenset(
    {"docker.io", "index.docker.io", "registry-1.docker.io", "auth.docker.io"}
)


class DockerConfigError(ValueError):
    """The docker ``config.json`` cannot be read; the message shows no credential."""


@dataclass(frozen=True, slots=True)
class BasicCredentials:
    """A user name and password (or token) for HTTP basic authentication."""

    username: str
    password: str = field(repr=False)


def registry_host(key: str) -> str:
    """``key`` of ``auths`` (``https://host:port/v1/``, ``host:port``) as ``host[:port]``,
    lower-cased, with Docker Hub's names folded into ``docker.io``."""
    rest = key.strip().lower()
    for scheme in ("https://", "http://"):
        rest = rest.removeprefix(scheme)
    host = rest.split("/", 1)[0]
    return "docker.io" if host in _DOCKER_HUB else host


@dataclass(frozen=True, slots=True)
class DockerConfig:
    """Credentials by registry host (see :func:`registry_host`)."""

    auths: Mapping[str, BasicCredentials] = field(default_factory=lambda: MappingProxyType({}))

    def for_host(self, host: str) -> BasicCredentials | None:
        """The credentials for exactly ``host[:port]``, or ``None``."""
        return self.auths.get(registry_host(host))


def parse_docker_config(text: str) -> DockerConfig:
    """The credentials in the docker ``config.json`` ``text``; ``DockerConfigError`` if malformed.

    Messages name the entry (its host) and never a credential.
    """
    try:
        data = json.loads(text, object_pairs_hook=_unique_keys)
    except DockerConfigError:
        raise
    except ValueError:
        raise DockerConfigError("it is not JSON") from None
    if not isinstance(data, dict) or not isinstance(data.get("auths", {}), dict):
        raise DockerConfigError('it is not a docker config.json: expected {"auths": {...}}')
    auths: dict[str, BasicCredentials] = {}
    keys: dict[str, str] = {}
    for key, entry in data.get("auths", {}).items():
        shown = repr(str(key)[:80])
        host = registry_host(str(key))
        if not host:
            raise DockerConfigError(
                f"the key {shown} of auths names no registry: write the host, "
                "such as registry.example.com:5000"
            )
        if host in keys:
            # Which one a registry would get would depend on the order of the keys.
            raise DockerConfigError(
                f"the keys {keys[host]!r} and {shown} of auths both name {host}: keep one"
            )
        if not isinstance(entry, dict):
            raise DockerConfigError(f"the entry of {host} in auths is not an object")
        keys[host] = str(key)[:80]
        auths[host] = _credentials(host, entry)
    return DockerConfig(MappingProxyType(auths))


def _unique_keys(pairs: list[tuple[str, object]]) -> dict[str, object]:
    """A JSON object, refused when it names a key twice (JSON would keep the last)."""
    found: dict[str, object] = {}
    for key, value in pairs:
        if key in found:
            raise DockerConfigError(f"the key {key[:80]!r} is written twice in one object")
        found[key] = value
    return found


def _credentials(host: str, entry: dict[str, object]) -> BasicCredentials:
    malformed = f"the auth of {host} is not base64 of 'user:password'"
    encoded = entry.get("auth")
    if isinstance(encoded, str) and encoded:
        try:
            # Docker pads the base64; other tools that write config.json do not.
            padded = encoded + "=" * (-len(encoded) % 4)
            decoded = base64.b64decode(padded, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            raise DockerConfigError(malformed) from None
        username, colon, password = decoded.partition(":")
        if not colon or not username:
            raise DockerConfigError(malformed)
        return BasicCredentials(username, password)
    name, secret = entry.get("username"), entry.get("password")
    if isinstance(name, str) and name and isinstance(secret, str):
        return BasicCredentials(name, secret)
    if entry.get("identitytoken") or entry.get("registrytoken"):
        raise DockerConfigError(
            f"the entry of {host} holds only an identity or registry token, which trueup "
            "does not support yet: write auth, or username and password"
        )
    raise DockerConfigError(f"the entry of {host} has neither auth nor username and password")

"""Registry credentials from a docker ``config.json``, the way ``docker login`` writes it.

An ImageRepository's ``secretRef`` names a Secret whose key ``.dockerconfigjson`` holds
``{"auths": {"HOST[:PORT]": {"auth": base64("user:password")}}}`` (or ``username`` and
``password`` in place of ``auth``). Entries are matched to a registry by exact host and
port: the credentials of one host are never offered to another. Docker Hub's several
names (``docker.io``, ``index.docker.io``, ``registry-1.docker.io`` and its token server
``auth.docker.io``) count as one host, since that is how ``docker login`` stores them.
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
        data = json.loads(text)
    except ValueError:
        raise DockerConfigError("it is not JSON") from None
    if not isinstance(data, dict) or not isinstance(data.get("auths", {}), dict):
        raise DockerConfigError('it is not a docker config.json: expected {"auths": {...}}')
    auths: dict[str, BasicCredentials] = {}
    for key, entry in data.get("auths", {}).items():
        host = registry_host(str(key))
        if not host or not isinstance(entry, dict):
            raise DockerConfigError(f"the entry {str(key)[:80]!r} of auths is not an object")
        auths[host] = _credentials(host, entry)
    return DockerConfig(MappingProxyType(auths))


def _credentials(host: str, entry: dict[str, object]) -> BasicCredentials:
    malformed = f"the auth of {host} is not base64 of 'user:password'"
    encoded = entry.get("auth")
    if isinstance(encoded, str) and encoded:
        try:
            decoded = base64.b64decode(encoded, validate=True).decode("utf-8")
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

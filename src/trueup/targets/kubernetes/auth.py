"""What every request to the API server carries: a bearer token and an impersonated user.

Tokens rotate (projected service account tokens, cloud exec plugins), so a token is
fetched per request from a :class:`TokenSource` and refreshed once when the server
answers 401. Tokens never appear in a repr or an error message.
"""

from __future__ import annotations

import os
from collections.abc import AsyncGenerator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import httpx

from trueup.errors import ConfigError


class TokenSource(Protocol):
    """Where the bearer token comes from."""

    async def token(self, *, rejected: str | None = None) -> str:
        """The current token ('' for none); a new one if it is still ``rejected``.

        ``rejected`` is the token the server answered 401 to; a source whose token has
        changed since then returns the new one without fetching again.
        """
        ...


@dataclass(frozen=True, slots=True)
class StaticToken:
    """A token written in the kubeconfig."""

    value: str = field(repr=False)

    async def token(self, *, rejected: str | None = None) -> str:
        """The configured token (refreshing cannot help)."""
        return self.value


class FileToken:
    """A token read from a file, and read again whenever the file changes or after a 401.

    Kubelet rotates a pod's projected service account token by replacing the file, so
    a change of its inode, size or modification time means a new token; one ``stat`` per
    request is all it costs.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._value = ""
        self._seen: tuple[int, int, int] | None = None

    def __repr__(self) -> str:
        return f"FileToken(path={str(self.path)!r})"

    async def token(self, *, rejected: str | None = None) -> str:
        """The file's content, stripped; read again when the file has changed."""
        try:
            stat = os.stat(self.path)
            seen = (stat.st_ino, stat.st_size, stat.st_mtime_ns)
            if seen != self._seen or (rejected is not None and rejected == self._value):
                self._value = self.path.read_text(encoding="utf-8").strip()
                self._seen = seen
        except OSError as error:
            raise ConfigError(
                f"{self.path}: cannot read the API token file ({error.strerror}); "
                "check tokenFile in the kubeconfig or the mounted service account"
            ) from error
        return self._value


class ClusterAuth(httpx.Auth):
    """Adds ``Authorization: Bearer`` and ``Impersonate-User``; refreshes once on a 401."""

    def __init__(self, source: TokenSource | None, *, impersonate_user: str | None = None) -> None:
        self._source = source
        self._impersonate_user = impersonate_user

    def __repr__(self) -> str:
        return f"ClusterAuth({self._source!r}, impersonate_user={self._impersonate_user!r})"

    async def async_auth_flow(
        self, request: httpx.Request
    ) -> AsyncGenerator[httpx.Request, httpx.Response]:
        """Send with the current token; on 401 get a fresh one and send once more."""
        if self._impersonate_user:
            request.headers["Impersonate-User"] = self._impersonate_user
        if self._source is None:
            yield request
            return
        token = await self._source.token()
        _set_token(request, token)
        response = yield request
        if response.status_code == 401 and not isinstance(self._source, StaticToken):
            _set_token(request, await self._source.token(rejected=token))
            yield request


def _set_token(request: httpx.Request, token: str) -> None:
    if token:
        request.headers["Authorization"] = f"Bearer {token}"
    else:
        request.headers.pop("Authorization", None)

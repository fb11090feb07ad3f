"""Bearer tokens for the API server: fixed, read from a file, or from an exec plugin.

Tokens rotate (projected service account tokens, cloud exec plugins), so a token is
fetched per request from a :class:`TokenSource` and refreshed once when the server
answers 401. Tokens never appear in a repr or an error message.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import AsyncGenerator, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Protocol

import httpx
import orjson

from trueup.errors import ConfigError, TargetUnavailableError

EXEC_API_VERSIONS = ("client.authentication.k8s.io/v1", "client.authentication.k8s.io/v1beta1")
"""The ExecCredential versions trueup speaks with credential plugins."""


class TokenSource(Protocol):
    """Where the bearer token comes from."""

    async def token(self, *, refresh: bool = False) -> str:
        """The current token; ``refresh`` after the server rejected the last one."""
        ...


@dataclass(frozen=True, slots=True)
class StaticToken:
    """A token written in the kubeconfig."""

    value: str = field(repr=False)

    async def token(self, *, refresh: bool = False) -> str:
        """The configured token (refreshing cannot help)."""
        return self.value


class FileToken:
    """A token read from a file and re-read every ``max_age`` seconds or after a 401."""

    def __init__(
        self, path: Path, *, max_age: float = 60.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.path = path
        self._max_age = max_age
        self._clock = clock
        self._value = ""
        self._read_at = float("-inf")

    def __repr__(self) -> str:
        return f"FileToken(path={str(self.path)!r})"

    async def token(self, *, refresh: bool = False) -> str:
        """The file's content, stripped; cached for ``max_age`` seconds."""
        if refresh or self._clock() - self._read_at >= self._max_age:
            try:
                self._value = self.path.read_text(encoding="utf-8").strip()
            except OSError as error:
                raise ConfigError(
                    f"{self.path}: cannot read the API token file ({error.strerror}); "
                    "check tokenFile in the kubeconfig"
                ) from error
            self._read_at = self._clock()
        return self._value


@dataclass(frozen=True, slots=True)
class ExecPlugin:
    """A kubeconfig ``exec`` credential plugin: a command printing an ExecCredential."""

    command: str
    args: tuple[str, ...] = ()
    env: Mapping[str, str] = field(default_factory=dict, repr=False)
    api_version: str = EXEC_API_VERSIONS[0]
    origin: str = ""
    """``<kubeconfig file>: user <name>``, for messages."""


class ExecToken:
    """Runs an exec plugin (argument list, no shell) and caches its token until it expires."""

    def __init__(
        self, plugin: ExecPlugin, *, timeout: float = 60.0, clock: Callable[[], float] = time.time
    ) -> None:
        self.plugin = plugin
        self._timeout = timeout
        self._clock = clock
        self._value = ""
        self._expires_at = float("-inf")
        self._lock = asyncio.Lock()

    def __repr__(self) -> str:
        return f"ExecToken(command={self.plugin.command!r})"

    async def token(self, *, refresh: bool = False) -> str:
        """The cached token, or a new one when refreshing or within 10 s of its expiry."""
        async with self._lock:
            if refresh or self._clock() >= self._expires_at - 10:
                self._value, self._expires_at = await self._run()
            return self._value

    async def _run(self) -> tuple[str, float]:
        plugin = self.plugin
        info = {"apiVersion": plugin.api_version, "kind": "ExecCredential"}
        env = {
            **os.environ,
            **plugin.env,
            "KUBERNETES_EXEC_INFO": orjson.dumps({**info, "spec": {"interactive": False}}).decode(),
        }
        what = f"{plugin.origin}: exec credential plugin {plugin.command!r}"
        try:
            process = await asyncio.create_subprocess_exec(
                plugin.command,
                *plugin.args,
                env=env,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
            )
        except OSError as error:
            raise ConfigError(f"{what} cannot be started ({error.strerror})") from error
        try:
            stdout, _stderr = await asyncio.wait_for(process.communicate(), self._timeout)
        except TimeoutError as error:
            process.kill()
            await process.wait()
            raise TargetUnavailableError(
                f"{what} did not finish within {self._timeout}s"
            ) from error
        # stderr is not shown: plugins may print secrets there.
        if process.returncode != 0:
            raise ConfigError(f"{what} failed with exit code {process.returncode}")
        return _parse_exec_credential(stdout, what)


def _parse_exec_credential(stdout: bytes, what: str) -> tuple[str, float]:
    try:
        status = (orjson.loads(stdout) or {}).get("status") or {}
    except (orjson.JSONDecodeError, AttributeError) as error:
        raise ConfigError(f"{what} printed no ExecCredential JSON") from error
    token = status.get("token")
    if not isinstance(token, str) or not token:
        raise ConfigError(
            f"{what} returned no status.token; plugins returning client certificates "
            "are not supported"
        )
    expiry = status.get("expirationTimestamp")
    if not expiry:
        return token, float("inf")
    try:
        return token, datetime.fromisoformat(str(expiry).replace("Z", "+00:00")).timestamp()
    except ValueError as error:
        raise ConfigError(f"{what} returned a malformed expirationTimestamp") from error


class BearerAuth(httpx.Auth):
    """Adds ``Authorization: Bearer`` from a token source; refreshes once on a 401."""

    def __init__(self, source: TokenSource) -> None:
        self._source = source

    def __repr__(self) -> str:
        return f"BearerAuth({self._source!r})"

    async def async_auth_flow(
        self, request: httpx.Request
    ) -> AsyncGenerator[httpx.Request, httpx.Response]:
        """Send with the current token; on 401 get a fresh one and send once more."""
        request.headers["Authorization"] = f"Bearer {await self._source.token()}"
        response = yield request
        if response.status_code == 401 and not isinstance(self._source, StaticToken):
            request.headers["Authorization"] = f"Bearer {await self._source.token(refresh=True)}"
            yield request

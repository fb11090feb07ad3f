"""Kubeconfig ``exec`` credential plugins, as the Kubernetes client-go protocol defines them.

A plugin is a command (an argument list, never a shell string) that prints an
``ExecCredential`` of ``client.authentication.k8s.io/v1`` or ``v1beta1`` on stdout: a bearer
token, a client certificate and key, or both, with an optional ``expirationTimestamp``.
trueup runs it with ``KUBERNETES_EXEC_INFO`` describing the request (never interactive: it
runs unattended, stdin is closed), caches the result until shortly before it expires,
runs it again when the server answers 401, and stops it after a timeout. A plugin that
fails is reported with its command and the end of its stderr, masked for anything that
looks like a credential. Running a kubeconfig's commands is off unless the user allows it
(``trueup --allow-exec-credentials`` or ``TRUEUP_ALLOW_EXEC=1``).
"""

from __future__ import annotations

import asyncio
import os
import re
import time
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import httpx
import orjson

from trueup.errors import ConfigError
from trueup.targets.kubernetes.http1 import Answer, Http1Transport, Origin, Timeouts

EXEC_API_VERSIONS = ("client.authentication.k8s.io/v1", "client.authentication.k8s.io/v1beta1")
"""The ExecCredential versions trueup speaks with credential plugins."""

INTERACTIVE_MODES = ("Never", "IfAvailable", "Always")
"""A kubeconfig's ``interactiveMode`` values; trueup has no terminal, so ``Always`` is refused."""

ALLOW_HINT = "pass --allow-exec-credentials to trueup or set TRUEUP_ALLOW_EXEC=1"
"""How a user allows exec plugins; named by every refusal."""

REFRESH_MARGIN = 10.0
"""Seconds before a credential's expiry at which the plugin runs again."""

_STDERR_LIMIT = 1000
_TOKEN_LIKE = re.compile(r"[A-Za-z0-9+/_=\-]{24,}")


@dataclass(frozen=True, slots=True)
class ExecPlugin:
    """A kubeconfig ``exec`` section: the command and how to call it."""

    command: str
    args: tuple[str, ...] = ()
    env: Mapping[str, str] = field(default_factory=dict, repr=False)
    api_version: str = EXEC_API_VERSIONS[0]
    interactive_mode: str = "IfAvailable"
    cluster: Mapping[str, Any] | None = field(default=None, repr=False)
    """``spec.cluster`` of ``KUBERNETES_EXEC_INFO`` when ``provideClusterInfo`` is set."""
    install_hint: str = ""
    origin: str = ""
    """``<kubeconfig file>: user <name>``, for messages."""

    def describe(self) -> str:
        """``<origin>: exec credential plugin '<command>'``, for messages."""
        where = f"{self.origin}: " if self.origin else ""
        return f"{where}exec credential plugin {self.command!r}"


@dataclass(frozen=True, slots=True)
class ExecCredential:
    """What a plugin returned: a token, a client certificate and key, or both."""

    token: str = field(default="", repr=False)
    client_cert: bytes | None = field(default=None, repr=False)
    client_key: bytes | None = field(default=None, repr=False)
    expires_at: float = float("inf")
    """Unix time after which the credential is no longer valid."""


class ExecCredentials:
    """Runs one plugin and caches its credential; shared by a connection's auth and transport."""

    def __init__(
        self, plugin: ExecPlugin, *, timeout: float = 60.0, clock: Callable[[], float] = time.time
    ) -> None:
        self.plugin = plugin
        self._timeout = timeout
        self._clock = clock
        self._current: ExecCredential | None = None
        self._lock = asyncio.Lock()

    def __repr__(self) -> str:
        return f"ExecCredentials(command={self.plugin.command!r})"

    async def credential(self, *, rejected_token: str | None = None) -> ExecCredential:
        """The cached credential; a new one once it nears expiry or its token is rejected.

        ``rejected_token`` is the token the server answered 401 to: the plugin runs again
        only if no other request has replaced it meanwhile, so a burst of 401s runs it once.
        """
        async with self._lock:
            current = self._current
            if (
                current is None
                or (rejected_token is not None and rejected_token == current.token)
                or self._clock() >= current.expires_at - REFRESH_MARGIN
            ):
                self._current = current = await self._run()
            return current

    async def token(self, *, rejected: str | None = None) -> str:
        """The credential's bearer token ('' when the plugin returns a certificate only)."""
        return (await self.credential(rejected_token=rejected)).token

    async def _run(self) -> ExecCredential:
        plugin = self.plugin
        spec: dict[str, Any] = {"interactive": False}
        if plugin.cluster is not None:
            spec["cluster"] = dict(plugin.cluster)
        info = {"apiVersion": plugin.api_version, "kind": "ExecCredential", "spec": spec}
        env = {**os.environ, **plugin.env, "KUBERNETES_EXEC_INFO": orjson.dumps(info).decode()}
        what = plugin.describe()
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
            hint = f"; {plugin.install_hint.strip()}" if plugin.install_hint.strip() else ""
            raise ConfigError(f"{what} cannot be started ({error.strerror}){hint}") from error
        try:
            stdout, stderr = await asyncio.wait_for(process.communicate(), self._timeout)
        except TimeoutError as error:
            process.kill()
            await process.wait()
            # Not retried as an outage: a plugin that hangs usually waits for a login
            # in a browser or on a terminal, and would hang again for every retry.
            raise ConfigError(
                f"{what} did not finish within {self._timeout:g}s; it may be waiting for an "
                "interactive login, which trueup cannot give: log in first, or use a plugin "
                "that works unattended"
            ) from error
        except asyncio.CancelledError:
            process.kill()
            await process.wait()
            raise
        if process.returncode != 0:
            said = _quote_stderr(stderr, plugin)
            raise ConfigError(
                f"{what} failed with exit code {process.returncode}"
                + (f": {said}" if said else " and printed nothing on stderr")
            )
        return parse_exec_credential(stdout, plugin, now=self._clock())


def parse_exec_credential(stdout: bytes, plugin: ExecPlugin, *, now: float) -> ExecCredential:
    """The credential in a plugin's output, or a ConfigError saying what is wrong with it."""
    what = plugin.describe()
    try:
        document = orjson.loads(stdout)
    except orjson.JSONDecodeError as error:
        raise ConfigError(f"{what} printed no ExecCredential JSON on stdout") from error
    if not isinstance(document, dict) or document.get("kind") != "ExecCredential":
        raise ConfigError(f"{what} printed JSON that is not an ExecCredential")
    if document.get("apiVersion") != plugin.api_version:
        raise ConfigError(
            f"{what} returned apiVersion {document.get('apiVersion')!r}, but the kubeconfig "
            f"asks for {plugin.api_version}; make exec.apiVersion match the plugin"
        )
    status = document.get("status")
    if not isinstance(status, dict):
        raise ConfigError(f"{what} returned an ExecCredential without status")
    token = status.get("token") or ""
    cert = status.get("clientCertificateData") or ""
    key = status.get("clientKeyData") or ""
    if not all(isinstance(value, str) for value in (token, cert, key)):
        raise ConfigError(f"{what} returned a status whose token or certificate is not a string")
    if bool(cert) != bool(key):
        raise ConfigError(
            f"{what} returned clientCertificateData without clientKeyData or the reverse; "
            "a client certificate needs both"
        )
    if not token and not cert:
        raise ConfigError(f"{what} returned neither status.token nor a client certificate")
    return ExecCredential(
        token=token,
        client_cert=cert.encode() if cert else None,
        client_key=key.encode() if key else None,
        expires_at=_expiry(status.get("expirationTimestamp"), what, now),
    )


def _expiry(value: object, what: str, now: float) -> float:
    if not value:
        return float("inf")
    try:
        expires = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError as error:
        raise ConfigError(
            f"{what} returned expirationTimestamp {str(value)[:40]!r}, which is not RFC 3339"
        ) from error
    if expires.tzinfo is None:
        raise ConfigError(f"{what} returned an expirationTimestamp without a time zone")
    if expires.timestamp() <= now:
        raise ConfigError(f"{what} returned a credential that has already expired")
    return expires.timestamp()


def _quote_stderr(stderr: bytes, plugin: ExecPlugin) -> str:
    """The end of a plugin's stderr on one line, bounded, with credential-like text masked.

    Plugins print diagnostics there, and sometimes the secrets they were given: the values
    of the kubeconfig's ``env`` and every long token-like word are replaced by ``***``.
    """
    text = stderr.decode("utf-8", "replace")
    for value in plugin.env.values():
        if len(value) >= 4:
            text = text.replace(value, "***")
    text = _TOKEN_LIKE.sub("***", text)
    text = " ".join(text.split())
    return text if len(text) <= _STDERR_LIMIT else "…" + text[-_STDERR_LIMIT:]


class ExecCertificateTransport(httpx.AsyncBaseTransport):
    """Presents the client certificate a plugin returned, and a new one once it rotates.

    TLS sends the client certificate once per connection, so a new certificate needs new
    connections; those of the previous certificate are closed at the rotation after next.
    It sends as :class:`~trueup.targets.kubernetes.http1.Http1Transport` does, natively
    (:meth:`exchange`, :meth:`stream`) or as an httpx transport.
    """

    def __init__(
        self,
        credentials: ExecCredentials,
        make: Callable[[ExecCredential | None], Http1Transport],
    ) -> None:
        self._credentials = credentials
        self._make = make
        self._inner: Http1Transport | None = None
        self._presented: tuple[bytes | None, bytes | None] | None = None
        self._retired: list[Http1Transport] = []

    async def _current(self) -> Http1Transport:
        """The transport whose connections present the current certificate."""
        credential = await self._credentials.credential()
        presented = (credential.client_cert, credential.client_key)
        inner = self._inner
        if inner is None or presented != self._presented:
            # Requests may still be in flight on the previous certificate's connections;
            # the ones before it have had a whole certificate lifetime to finish.
            stale, self._retired = self._retired, [inner] if inner is not None else []
            inner = self._inner = self._make(credential if credential.client_cert else None)
            self._presented = presented
            for old in stale:
                await old.aclose()
        return inner

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Send ``request`` over connections that present the current certificate."""
        return await (await self._current()).handle_async_request(request)

    async def exchange(
        self,
        origin: Origin,
        method: str,
        target: str,
        fields: bytes,
        body: bytes,
        timeouts: Timeouts,
    ) -> Answer:
        """Send a request and read its answer, presenting the current certificate."""
        inner = await self._current()
        return await inner.exchange(origin, method, target, fields, body, timeouts)

    @asynccontextmanager
    async def stream(
        self, origin: Origin, method: str, target: str, fields: bytes, timeouts: Timeouts
    ) -> AsyncIterator[tuple[Answer, AsyncIterator[bytes]]]:
        """Stream an answer, presenting the current certificate."""
        inner = await self._current()
        async with inner.stream(origin, method, target, fields, timeouts) as streamed:
            yield streamed

    async def aclose(self) -> None:
        """Close the connections of every certificate used so far."""
        for transport in [*self._retired, *([self._inner] if self._inner else [])]:
            await transport.aclose()
        self._retired.clear()
        self._inner = None

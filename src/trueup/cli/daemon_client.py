"""The CLI as a client of a running ``trueup serve``: its HTTP API, found or named.

``status``, ``history``, ``sync``, ``suspend`` and ``resume`` ask the daemon when one
runs for the configuration (``--server URL``, or announced next to the store, see
:mod:`trueup.cli.discovery`), so that a person sees what the daemon sees and acts through
it. (``events`` reads the store: only the daemon records events there.) The rules:

- ``--server URL`` is used and nothing else: a daemon that does not answer there is an
  error (exit 2), never a silent switch to the store.
- A discovered daemon answers reads; when it does not answer, reads fall back to the store
  with a warning (the store is what the daemon writes).
- Actions go through a discovered daemon, so that the process that reconciles the App is
  the one that syncs, suspends or resumes it; when it does not answer, the action is
  refused (exit 2) rather than run beside it. Without a daemon, every command works on the
  store (and the cluster) as before.

The token (``--token-file``, else ``$TRUEUP_TOKEN``) is read only when a daemon is asked,
and sent only to it, as ``Authorization: Bearer``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from trueup.cli.discovery import discover
from trueup.cli.settings import Settings
from trueup.errors import ConfigError, PermanentError, TemporaryError

if TYPE_CHECKING:
    import httpx

READ_TIMEOUT = 30.0
"""Seconds a read may take before the daemon counts as not answering."""
ACTION_TIMEOUT = 3600.0
"""Seconds an action (a sync that waits for health) may take."""
TOKEN_ENV = "TRUEUP_TOKEN"  # noqa: S105 - the name of a variable, not a token


class DaemonUnavailableError(TemporaryError):
    """The daemon's API did not answer, or answered that it cannot serve yet (not leading).

    ``delivered`` is False when the daemon provably did nothing with the request (no
    connection, or a 503 answer), True when it may have acted before the answer was lost.
    """

    def __init__(self, message: str, *, delivered: bool = False) -> None:
        super().__init__(message)
        self.delivered = delivered


@dataclass(frozen=True, slots=True)
class Endpoint:
    """Where a daemon's API answers, and how the CLI came to it (for messages)."""

    url: str
    explicit: bool
    """Named with ``--server``: never replaced by the store."""
    described: str
    """``--server http://…`` or ``trueup serve (pid 123) at http://…``."""


def endpoints(settings: Settings) -> list[Endpoint]:
    """The daemons to ask, in order: ``--server`` alone, else the announced ones (newest
    first); empty when no daemon runs for the configuration and store."""
    if settings.server:
        url = settings.server.rstrip("/")
        if not url.startswith(("http://", "https://")):
            raise ConfigError(
                f"--server {settings.server!r}: write the daemon's URL, such as "
                "http://127.0.0.1:8080"
            )
        return [Endpoint(url, True, f"--server {url}")]
    found = discover(settings.store, settings.config)
    return [
        Endpoint(a.url.rstrip("/"), False, f"trueup serve ({a.owner.split(' on ')[0]}) at {a.url}")
        for a in found
    ]


def read_token(settings: Settings) -> str | None:
    """The API token: the content of ``--token-file``, else ``$TRUEUP_TOKEN``, else None."""
    if settings.token_file is not None:
        try:
            token = Path(settings.token_file).read_text(encoding="utf-8").strip()
        except OSError as e:
            raise ConfigError(
                f"--token-file {settings.token_file}: cannot read it ({e.strerror})"
            ) from None
        if not token:
            raise ConfigError(f"--token-file {settings.token_file}: the file is empty")
        return token
    return os.environ.get(TOKEN_ENV, "").strip() or None


class DaemonClient:
    """Calls one daemon's API; every answer is JSON, every refusal a trueup error."""

    def __init__(
        self,
        endpoint: Endpoint,
        token: str | None,
        *,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        """A client of ``endpoint``'s API sending ``token``; ``transport`` replaces the
        network (``httpx.MockTransport`` in tests)."""
        import httpx

        self.endpoint = endpoint
        headers = {"Accept": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        # No proxy from the environment and no redirects: the token goes to this URL only.
        self._client = httpx.Client(
            base_url=endpoint.url,
            headers=headers,
            trust_env=False,
            follow_redirects=False,
            transport=transport,
        )

    def close(self) -> None:
        """Close the connection."""
        self._client.close()

    def get(self, path: str, params: Mapping[str, str | int] | None = None) -> Any:
        """``GET path`` with ``params``; the answer's JSON."""
        return self._call("GET", path, params=params, timeout=READ_TIMEOUT)

    def post(self, path: str, body: Mapping[str, Any] | None = None) -> Any:
        """``POST path`` with the JSON ``body``; the answer's JSON."""
        return self._call("POST", path, body=body or {}, timeout=ACTION_TIMEOUT)

    def _call(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str | int] | None = None,
        body: Mapping[str, Any] | None = None,
        timeout: float,
    ) -> Any:
        import httpx

        where = self.endpoint.described
        try:
            answer = self._client.request(
                method, path, params=dict(params or {}), json=body, timeout=timeout
            )
        except (httpx.ConnectError, httpx.ConnectTimeout) as e:
            raise DaemonUnavailableError(f"{where} does not answer: {_why(e)}") from None
        except httpx.HTTPError as e:
            raise DaemonUnavailableError(
                f"{where} did not finish answering: {_why(e)}", delivered=True
            ) from None
        return _json_or_raise(answer, where)


def _why(error: Exception) -> str:
    text = str(error) or type(error).__name__
    if "Connection refused" in text or "connect" in text.lower():
        return f"{text} (is it running? check the URL and port)"
    return text


def _json_or_raise(answer: httpx.Response, where: str) -> Any:
    """The answer's JSON, or the trueup error its status stands for."""
    try:
        data = answer.json()
    except ValueError:
        data = None
    problem = data.get("error") if isinstance(data, dict) else None
    message = problem.get("message", "") if isinstance(problem, dict) else ""
    status = answer.status_code
    if 200 <= status < 300 and data is not None:
        return data
    if problem is None:
        raise PermanentError(
            f"{where} is not a trueup daemon's API: {answer.request.method} "
            f"{answer.request.url.path} answered {status} "
            f"{answer.headers.get('content-type', 'without a content type')} (check the URL)"
        )
    if status == 401:
        raise PermanentError(
            f"{where} refused the request: {message} (give an ApiToken's token with "
            f"--token-file FILE or ${TOKEN_ENV})"
        )
    if status == 403:
        raise PermanentError(f"{where} refused the request: {message} (an operator's token can)")
    if status == 404:
        raise ConfigError(f"{where}: {message}")
    if status >= 500:
        # 503: not serving yet (a follower); any other 5xx failed half-way through.
        raise DaemonUnavailableError(
            f"{where} cannot answer now: {message}", delivered=status != 503
        )
    raise PermanentError(f"{where} refused the request: {message}")

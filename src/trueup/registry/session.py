"""Talking to one registry over HTTP: authentication, redirects, limits and errors.

:class:`RegistrySession` sends a request to a registry's ``/v2/`` API and returns its
answer, or raises a typed error from :mod:`trueup.errors`:

- authentication follows the registry's ``WWW-Authenticate`` challenge: anonymous first,
  then ``Basic`` with the credentials the docker ``config.json`` holds for the registry's
  host, or ``Bearer`` with a token from the challenge's ``realm`` (cached per scope);
- credentials are bound to their host: ``Authorization`` is sent only to the registry's
  own scheme, host and port, never after a redirect elsewhere; a token ``realm`` on
  another host gets basic credentials only when the ``config.json`` has an entry for that
  host (otherwise the token is asked for anonymously);
- plain http only when the ImageRepository allows it (loopback registries); a redirect
  from https to http is refused;
- every answer is read up to a byte limit and within the timeout; a 5xx, 429, a timeout
  or an unreachable registry is a ``RegistryUnavailableError`` (temporary); a refusal,
  an HTML page instead of the API or an oversized answer is a ``RegistryError``.
"""

from __future__ import annotations

import base64
import functools
import ssl
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Final
from urllib.parse import urlencode, urljoin, urlsplit

import httpx
import orjson

from trueup.config.docker_config import BasicCredentials, DockerConfig
from trueup.config.image_repository import ImageName, is_loopback
from trueup.errors import RegistryError, RegistryUnavailableError
from trueup.registry.challenge import Challenge, parse_challenge
from trueup.registry.tokens import TokenCache

MAX_REDIRECTS: Final = 5
"""Redirects followed for one request."""

MAX_TOKEN_BYTES: Final = 256 * 1024
"""Largest token server answer read."""

_REDIRECTS: Final = frozenset({301, 302, 303, 307, 308})


@dataclass(frozen=True, slots=True)
class Answer:
    """A registry's answer: status, headers (lower-case names), body and the final URL."""

    status: int
    headers: Mapping[str, str]
    body: bytes
    url: str


def _origin(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    return parts.scheme, f"{(parts.hostname or '').lower()}:{port}"


def _basic(credentials: BasicCredentials) -> str:
    pair = f"{credentials.username}:{credentials.password}".encode()
    return f"Basic {base64.b64encode(pair).decode('ascii')}"


@functools.lru_cache(maxsize=16)
def tls_context(ca_pem: str | None) -> ssl.SSLContext:
    """The TLS settings for registries whose certificates ``ca_pem`` signed (None: the
    usual public CAs, as httpx verifies them), built once per process and shared.

    Loading a CA bundle takes about 0.1 s of CPU; done for every session, it was most of
    the cost of a scan. The contexts are only read once built, so sharing them between
    sessions (and scans) changes nothing else."""
    if ca_pem is None:
        return httpx.create_ssl_context(trust_env=False)
    return ssl.create_default_context(cadata=ca_pem)


class RegistrySession:
    """Requests to the registry of ``image``; close it with :meth:`aclose` (or ``async with``).

    ``transport`` replaces the network in unit tests; ``clock`` (monotonic seconds) decides
    when cached tokens expire.
    """

    def __init__(
        self,
        image: ImageName,
        *,
        credentials: DockerConfig | None = None,
        ca_pem: str | None = None,
        insecure: bool = False,
        timeout: float = 30.0,
        transport: httpx.AsyncBaseTransport | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if insecure and not image.loopback:
            raise RegistryError(f"{image}: plain http is allowed only for a registry on loopback")
        self.image = image
        self.base = f"{'http' if insecure else 'https'}://{image.api_host}"
        self._credentials = credentials or DockerConfig()
        try:
            verify = tls_context(ca_pem)
        except (ssl.SSLError, ValueError) as e:
            raise RegistryError(f"{image}: the CA certificate cannot be read: {e}") from e
        self._client = httpx.AsyncClient(
            verify=verify,
            timeout=timeout,
            follow_redirects=False,
            transport=transport,
            trust_env=False,
        )
        self._timeout = timeout
        self._tokens = TokenCache(clock)
        self._challenge: Challenge | None = None
        self.requests = 0
        """HTTP requests sent so far (token requests included)."""

    async def __aenter__(self) -> RegistrySession:
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the connections."""
        await self._client.aclose()

    async def fetch(
        self, method: str, path_or_url: str, *, accept: str, scope: str, max_bytes: int
    ) -> Answer:
        """The 2xx answer to ``method`` on ``path_or_url`` (relative to the registry).

        ``scope`` is the token scope the request needs (``repository:org/app:pull``);
        ``max_bytes`` bounds the body read. Raises ``RegistryError`` or
        ``RegistryUnavailableError`` for anything but a 2xx answer.
        """
        url = urljoin(self.base + "/", path_or_url)
        authorization = await self._authorization(scope) if self._challenge else None
        answer = await self._send(method, url, accept, authorization, max_bytes)
        if answer.status == 401:
            challenge = parse_challenge(answer.headers.get("www-authenticate", ""))
            if challenge is not None and challenge.scheme in ("basic", "bearer"):
                self._challenge = challenge
                self._tokens.drop(challenge.get("realm"), challenge.get("service"), scope)
                authorization = await self._authorization(scope)
                if authorization is not None:
                    answer = await self._send(method, url, accept, authorization, max_bytes)
            if answer.status == 401:
                raise self._unauthorized(authorization is not None)
        return self._checked(answer)

    # -- authentication -------------------------------------------------------------------

    async def _authorization(self, scope: str) -> str | None:
        challenge = self._challenge
        assert challenge is not None
        if challenge.scheme == "basic":
            credentials = self._credentials.for_host(self.image.host)
            return _basic(credentials) if credentials is not None else None
        realm, service = challenge.get("realm"), challenge.get("service")
        token = self._tokens.get(realm, service, scope)
        if token is None:
            token, expires_in = await self._token(realm, service, scope)
            self._tokens.put(realm, service, scope, token, expires_in)
        return f"Bearer {token}"

    async def _token(self, realm: str, service: str, scope: str) -> tuple[str, float | None]:
        parts = urlsplit(realm)
        host = parts.netloc.rpartition("@")[2]
        if parts.scheme not in ("https", "http") or not host:
            raise RegistryError(f"{self.image}: the registry named no usable token server")
        if parts.scheme == "http" and not is_loopback(host):
            raise RegistryError(
                f"{self.image}: the token server {parts.scheme}://{host} is not https; "
                "trueup sends no credentials over plain http"
            )
        query = urlencode({k: v for k, v in (("service", service), ("scope", scope)) if v})
        url = f"{realm}{'&' if parts.query else '?'}{query}"
        # Credentials only for the token server's own host (see the module docstring).
        credentials = self._credentials.for_host(host)
        headers = {"Accept": "application/json"}
        if credentials is not None:
            headers["Authorization"] = _basic(credentials)
        answer = await self._read("GET", url, headers, MAX_TOKEN_BYTES)
        if answer.status in (401, 403):
            raise RegistryError(
                f"{self.image}: the token server {host} refused the credentials "
                f"({answer.status}); check the secretRef's .dockerconfigjson"
            )
        checked = self._checked(answer, what=f"the token server {host}")
        try:
            data = orjson.loads(checked.body)
        except orjson.JSONDecodeError:
            data = None
        token = data.get("token") or data.get("access_token") if isinstance(data, dict) else None
        if not isinstance(token, str) or not token:
            raise RegistryError(f"{self.image}: the token server {host} answered without a token")
        assert isinstance(data, dict)
        expires_in = data.get("expires_in")
        return token, float(expires_in) if isinstance(expires_in, int | float) else None

    def _unauthorized(self, tried: bool) -> RegistryError:
        host = self.image.host
        if tried:
            return RegistryError(
                f"{self.image}: the registry refused the credentials (401); "
                f"check the entry for {host} in the secretRef's .dockerconfigjson"
            )
        return RegistryError(
            f"{self.image}: the registry requires authentication (401); "
            f"add a secretRef whose .dockerconfigjson has an entry for {host}"
        )

    # -- HTTP ------------------------------------------------------------------------------

    async def _send(
        self, method: str, url: str, accept: str, authorization: str | None, max_bytes: int
    ) -> Answer:
        """Send, following redirects; ``Authorization`` goes only to the registry's origin."""
        home = _origin(self.base)
        current = url
        for _ in range(MAX_REDIRECTS + 1):
            headers = {"Accept": accept}
            if authorization is not None and _origin(current) == home:
                headers["Authorization"] = authorization
            answer = await self._read(method, current, headers, max_bytes)
            if answer.status not in _REDIRECTS:
                return answer
            location = answer.headers.get("location", "")
            target = urljoin(current, location)
            scheme = urlsplit(target).scheme
            if not location or scheme not in ("http", "https"):
                raise RegistryError(f"{self.image}: the registry redirected to an unusable URL")
            if scheme == "http" and urlsplit(current).scheme == "https":
                raise RegistryError(f"{self.image}: the registry redirected from https to http")
            current = target
        raise RegistryError(f"{self.image}: more than {MAX_REDIRECTS} redirects")

    async def _read(
        self, method: str, url: str, headers: Mapping[str, str], max_bytes: int
    ) -> Answer:
        self.requests += 1
        try:
            async with self._client.stream(method, url, headers=headers) as response:
                body = bytearray()
                async for chunk in response.aiter_bytes():
                    body += chunk
                    if len(body) > max_bytes:
                        raise RegistryError(
                            f"{self.image}: the registry's answer is larger than "
                            f"{max_bytes // 1024} KiB; trueup stops reading"
                        )
                found = {k.lower(): v for k, v in response.headers.items()}
                return Answer(response.status_code, found, bytes(body), str(response.url))
        except httpx.TimeoutException as e:
            raise RegistryUnavailableError(
                f"{self.image}: the registry did not answer within {self._timeout:g}s "
                "(spec.timeout)"
            ) from e
        except httpx.TransportError as e:
            raise self._transport_error(e) from e

    def _transport_error(
        self, error: httpx.TransportError
    ) -> RegistryError | RegistryUnavailableError:
        text = str(error)
        if "CERTIFICATE_VERIFY_FAILED" in text:
            return RegistryError(
                f"{self.image}: the registry's TLS certificate is not trusted ({text}); "
                "name the CA that signed it in spec.certSecretRef"
            )
        if "WRONG_VERSION_NUMBER" in text or "SSL" in text:
            return RegistryError(
                f"{self.image}: TLS with the registry failed ({text}); if it speaks plain "
                "http on loopback, set spec.insecure: true"
            )
        return RegistryUnavailableError(
            f"{self.image}: the registry could not be reached: {text or type(error).__name__}"
        )

    def _checked(self, answer: Answer, *, what: str = "the registry") -> Answer:
        status = answer.status
        html = _is_html(answer)
        if 200 <= status < 300:
            if html:
                raise RegistryError(
                    f"{self.image}: {what} answered with an HTML page instead of the registry "
                    "API (is a proxy or a login page in front of it?)"
                )
            return answer
        detail = " (an HTML error page)" if html else _registry_message(answer.body)
        if status == 429 or status >= 500:
            raise RegistryUnavailableError(f"{self.image}: {what} answered {status}{detail}")
        if status == 404:
            raise RegistryError(f"{self.image}: {what} answered 404 not found{detail}")
        if status == 403:
            raise RegistryError(
                f"{self.image}: {what} denied access (403){detail}; check the credentials' rights"
            )
        raise RegistryError(f"{self.image}: {what} answered {status}{detail}")


def _is_html(answer: Answer) -> bool:
    kind = answer.headers.get("content-type", "").lower()
    start = answer.body[:64].lstrip().lower()
    return "html" in kind or start.startswith((b"<!doctype html", b"<html"))


def _registry_message(body: bytes) -> str:
    """The registry's own error (``{"errors": [{"code", "message"}]}``), briefly."""
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError:
        return ""
    errors = data.get("errors") if isinstance(data, dict) else None
    if not isinstance(errors, list) or not errors or not isinstance(errors[0], dict):
        return ""
    code, message = errors[0].get("code"), errors[0].get("message")
    text = ": ".join(str(part) for part in (code, message) if part)
    return f" ({text[:200]})" if text else ""

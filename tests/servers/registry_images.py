"""Real registries for image scanning: anonymous, basic auth (htpasswd) and token auth.

Each is Debian's ``docker-registry`` on loopback (see :mod:`tests.servers.registry`). Images
are pushed through the distribution API (a config blob, a layer blob, an OCI manifest; an
OCI index over two platform manifests for multi-arch), and many tags are made cheaply by
writing tag link files into the registry's storage folder.

Token auth: the registry is configured with ``auth: token`` and trusts a self-signed
certificate (``rootcertbundle``); :class:`TokenIssuer` signs RS256 JWTs with its key and
puts the certificate in the ``x5c`` header, which the registry verifies against the
bundle. The issuer is served by a :class:`RegistryFront` (``/token``).

:class:`RegistryFront` is a small HTTP server in front of a registry: it forwards every
request, and can paginate tag lists with ``Link`` headers (the distribution registry 2.8
ignores ``n``), answer with faults (an HTML error page, a 500, slowness), demand basic
auth itself, redirect to another front, and it records the requests it received.
"""

from __future__ import annotations

import base64
import contextlib
import datetime
import hashlib
import http.client
import json
import secrets
import ssl
import threading
import time
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID

from tests.servers.git_http import make_tls
from tests.servers.registry import free_port, running_registry

USER = "puller"
PASSWORD = "s3cret-registry-pass"
SERVICE = "trueup-test-registry"
ISSUER = "trueup-test-issuer"

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"


def basic_header(user: str = USER, password: str = PASSWORD) -> str:
    """The ``Authorization`` value for basic auth."""
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def docker_config(*hosts: str, user: str = USER, password: str = PASSWORD) -> str:
    """A docker ``config.json`` with the same credentials for each of ``hosts``."""
    auth = base64.b64encode(f"{user}:{password}".encode()).decode()
    return json.dumps({"auths": {host: {"auth": auth} for host in hosts}})


# -- pushing images --------------------------------------------------------------------------


class Pusher:
    """Pushes blobs, manifests and indexes to ``base`` (``http://HOST``) as ``authorization``."""

    def __init__(
        self,
        base: str,
        authorization: str | None = None,
        *,
        verify: ssl.SSLContext | bool = True,
    ) -> None:
        self.base = base
        self._headers = {"Authorization": authorization} if authorization else {}
        self._verify = verify

    def _client(self) -> httpx.Client:
        return httpx.Client(
            base_url=self.base, headers=self._headers, timeout=30, verify=self._verify
        )

    def blob(self, repository: str, data: bytes) -> dict[str, object]:
        """Upload ``data``; its descriptor (without media type)."""
        digest = "sha256:" + hashlib.sha256(data).hexdigest()
        with self._client() as client:
            started = client.post(f"/v2/{repository}/blobs/uploads/")
            assert started.status_code == 202, started.text
            location = started.headers["location"]
            sep = "&" if "?" in location else "?"
            done = client.put(
                f"{location}{sep}digest={digest}",
                content=data,
                headers={"Content-Type": "application/octet-stream"},
            )
            assert done.status_code == 201, done.text
        return {"digest": digest, "size": len(data)}

    def manifest(self, repository: str, reference: str, body: bytes, media_type: str) -> str:
        """Put a manifest under ``reference``; its digest."""
        with self._client() as client:
            put = client.put(
                f"/v2/{repository}/manifests/{reference}",
                content=body,
                headers={"Content-Type": media_type},
            )
            assert put.status_code == 201, put.text
            return put.headers["docker-content-digest"]

    def image(self, repository: str, tag: str, *, arch: str = "amd64") -> str:
        """Push a one-layer OCI image for ``arch`` under ``tag``; the manifest's digest."""
        config = json.dumps({"architecture": arch, "os": "linux", "rootfs": {}}).encode()
        layer = f"layer of {repository} for {arch}".encode()
        manifest = {
            "schemaVersion": 2,
            "mediaType": OCI_MANIFEST,
            "config": {
                "mediaType": "application/vnd.oci.image.config.v1+json",
                **self.blob(repository, config),
            },
            "layers": [
                {
                    "mediaType": "application/vnd.oci.image.layer.v1.tar",
                    **self.blob(repository, layer),
                }
            ],
        }
        return self.manifest(repository, tag, json.dumps(manifest).encode(), OCI_MANIFEST)

    def multi_arch(self, repository: str, tag: str) -> tuple[str, dict[str, str]]:
        """Push an OCI index over amd64 and arm64 images: the index digest, and per arch."""
        platforms: dict[str, str] = {}
        entries = []
        for arch in ("amd64", "arm64"):
            digest = self.image(repository, f"{tag}-{arch}", arch=arch)
            platforms[arch] = digest
            size = len(self._get_manifest(repository, digest))
            entries.append(
                {
                    "mediaType": OCI_MANIFEST,
                    "digest": digest,
                    "size": size,
                    "platform": {"architecture": arch, "os": "linux"},
                }
            )
        index = {"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": entries}
        return self.manifest(repository, tag, json.dumps(index).encode(), OCI_INDEX), platforms

    def _get_manifest(self, repository: str, digest: str) -> bytes:
        with self._client() as client:
            answer = client.get(
                f"/v2/{repository}/manifests/{digest}", headers={"Accept": OCI_MANIFEST}
            )
            assert answer.status_code == 200, answer.text
            return answer.content


def write_tags(storage: Path, repository: str, digest: str, tags: list[str]) -> None:
    """Make ``tags`` point at ``digest`` by writing the registry's tag link files directly
    (``_manifests/tags/<tag>/current/link``): thousands of tags without thousands of pushes.
    ``digest`` must be a manifest already pushed to ``repository``."""
    base = storage / "docker/registry/v2/repositories" / repository / "_manifests/tags"
    for tag in tags:
        current = base / tag / "current"
        current.mkdir(parents=True, exist_ok=True)
        (current / "link").write_text(digest)
        index = base / tag / "index" / digest.replace(":", "/")
        index.mkdir(parents=True, exist_ok=True)
        (index / "link").write_text(digest)


# -- token auth ------------------------------------------------------------------------------


@dataclass
class TokenIssuer:
    """Signs registry tokens with a self-signed RSA certificate the registry trusts."""

    key: rsa.RSAPrivateKey
    cert: x509.Certificate
    users: dict[str, str] = field(default_factory=lambda: {USER: PASSWORD})
    anonymous_pull: bool = False
    """Whether a token request without credentials gets a pull token."""
    lifetime: int = 300

    @classmethod
    def create(cls) -> TokenIssuer:
        """A new key and a certificate valid for a day."""
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "trueup test token issuer")])
        now = datetime.datetime.now(datetime.UTC)
        cert = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(hours=1))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256())
        )
        return cls(key, cert)

    def bundle(self) -> bytes:
        """The certificate as PEM, for the registry's ``rootcertbundle``."""
        return self.cert.public_bytes(serialization.Encoding.PEM)

    def answer(
        self, authorization: str | None, service: str, scopes: list[str]
    ) -> dict[str, object] | None:
        """The token answer for a request, or ``None`` when the credentials are refused."""
        user = None
        if authorization:
            scheme, _, encoded = authorization.partition(" ")
            name, _, password = base64.b64decode(encoded).decode().partition(":")
            if scheme.lower() != "basic" or self.users.get(name) != password:
                return None
            user = name
        elif not self.anonymous_pull:
            return None
        access = []
        for scope in scopes:
            kind, _, rest = scope.partition(":")
            name, _, actions = rest.rpartition(":")
            wanted = actions.split(",")
            granted = wanted if user else [a for a in wanted if a == "pull"]
            access.append({"type": kind, "name": name, "actions": granted})
        now = int(time.time())
        claims = {
            "iss": ISSUER,
            "sub": user or "",
            "aud": service,
            "exp": now + self.lifetime,
            "nbf": now - 10,
            "iat": now,
            "jti": secrets.token_hex(8),
            "access": access,
        }
        token = self._sign(claims)
        return {"token": token, "access_token": token, "expires_in": self.lifetime}

    def _sign(self, claims: dict[str, object]) -> str:
        der = self.cert.public_bytes(serialization.Encoding.DER)
        header: dict[str, object] = {
            "typ": "JWT",
            "alg": "RS256",
            "x5c": [base64.b64encode(der).decode()],
        }

        def part(data: dict[str, object]) -> str:
            raw = json.dumps(data, separators=(",", ":")).encode()
            return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

        signing_input = f"{part(header)}.{part(claims)}"
        signature = self.key.sign(signing_input.encode(), padding.PKCS1v15(), hashes.SHA256())
        return f"{signing_input}.{base64.urlsafe_b64encode(signature).rstrip(b'=').decode()}"


# -- a server in front of a registry -----------------------------------------------------------


@dataclass
class Seen:
    """One request a front received."""

    method: str
    path: str
    authorization: str | None


@dataclass
class FrontBehaviour:
    """What a :class:`RegistryFront` does besides forwarding (changed by tests, then reset)."""

    page_size: int | None = None
    """Paginate tag lists to at most this many tags per page (``Link`` headers)."""
    fault: str | None = None
    """``html502``, ``html200``, ``500`` or ``slow`` for every ``/v2/<name>/...`` request."""
    slow_seconds: float = 3.0
    require_basic: bool = False
    """Answer 401 (Basic challenge) to requests without the test user's credentials."""
    redirect_to: str | None = None
    """Redirect tag lists (307) to this base URL (another front)."""
    tags: list[str] | None = None
    """Serve this raw tag list instead of the registry's (malformed tags, say)."""


class RegistryFront:
    """An HTTP server on loopback forwarding to ``upstream`` (``HOST:PORT``); see the module."""

    def __init__(
        self, upstream: str | None, issuer: TokenIssuer | None = None, port: int | None = None
    ) -> None:
        self.upstream = upstream
        self.issuer = issuer
        self.behaviour = FrontBehaviour()
        self.seen: list[Seen] = []
        self.token_requests: list[Seen] = []
        front = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *_args: object) -> None:
                pass

            def do_GET(self) -> None:
                front._handle(self)

            def do_HEAD(self) -> None:
                front._handle(self)

            def do_PUT(self) -> None:
                front._handle(self)

            def do_POST(self) -> None:
                front._handle(self)

            def do_PATCH(self) -> None:
                front._handle(self)

        self._server = ThreadingHTTPServer(("127.0.0.1", port or 0), Handler)
        self._server.daemon_threads = True
        self.host = f"127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    @property
    def base(self) -> str:
        """``http://127.0.0.1:PORT``."""
        return f"http://{self.host}"

    def reset(self) -> None:
        """Forget what was seen and behave plainly again."""
        self.behaviour = FrontBehaviour()
        self.seen.clear()
        self.token_requests.clear()

    def close(self) -> None:
        """Stop serving."""
        self._server.shutdown()
        self._server.server_close()

    # -- handling ------------------------------------------------------------------------------

    def _handle(self, request: BaseHTTPRequestHandler) -> None:
        authorization = request.headers.get("Authorization")
        parts = urlsplit(request.path)
        if parts.path == "/token" and self.issuer is not None:
            self.token_requests.append(Seen(request.command, request.path, authorization))
            self._token(request, parts.query, authorization)
            return
        self.seen.append(Seen(request.command, request.path, authorization))
        b = self.behaviour
        if b.require_basic and authorization != basic_header():
            self._send(
                request,
                401,
                b'{"errors":[{"code":"UNAUTHORIZED"}]}',
                {"WWW-Authenticate": 'Basic realm="front"', "Content-Type": "application/json"},
            )
            return
        if parts.path.startswith("/v2/") and parts.path != "/v2/" and b.fault:
            self._fault(request, b.fault, b.slow_seconds)
            return
        if parts.path.endswith("/tags/list") and b.redirect_to:
            self._send(request, 307, b"", {"Location": f"{b.redirect_to}{request.path}"})
            return
        if (
            parts.path.endswith("/tags/list")
            and request.command == "GET"
            and (b.page_size or b.tags is not None)
        ):
            self._tags(request, parts.path, parse_qs(parts.query), authorization)
            return
        self._forward(request, authorization)

    def _fault(self, request: BaseHTTPRequestHandler, fault: str, slow: float) -> None:
        page = b"<!DOCTYPE html><html><body><h1>502 Bad Gateway</h1>nginx</body></html>"
        if fault == "html502":
            self._send(request, 502, page, {"Content-Type": "text/html"})
        elif fault == "html200":
            self._send(
                request,
                200,
                page.replace(b"502 Bad Gateway", b"Sign in"),
                {"Content-Type": "text/html"},
            )
        elif fault == "500":
            self._send(
                request,
                500,
                b'{"errors":[{"code":"UNKNOWN","message":"disk full"}]}',
                {"Content-Type": "application/json"},
            )
        else:
            time.sleep(slow)
            self._send(
                request, 200, b'{"name":"x","tags":[]}', {"Content-Type": "application/json"}
            )

    def _token(
        self, request: BaseHTTPRequestHandler, query: str, authorization: str | None
    ) -> None:
        assert self.issuer is not None
        params = parse_qs(query)
        answer = self.issuer.answer(
            authorization, params.get("service", [""])[0], params.get("scope", [])
        )
        if answer is None:
            self._send(
                request, 401, b'{"details":"access denied"}', {"Content-Type": "application/json"}
            )
            return
        self._send(request, 200, json.dumps(answer).encode(), {"Content-Type": "application/json"})

    def _tags(
        self,
        request: BaseHTTPRequestHandler,
        path: str,
        query: dict[str, list[str]],
        authorization: str | None,
    ) -> None:
        b = self.behaviour
        if b.tags is not None:
            every: list[object] = list(b.tags)
        else:
            status, headers, body = self._upstream(
                "GET", path, authorization, None, {"Accept": "application/json"}
            )
            if status != 200:
                self._send(request, status, body, headers)
                return
            every = sorted(json.loads(body)["tags"] or [])
        size = min(int(query.get("n", ["100"])[0]), b.page_size or len(every) or 1)
        last = query.get("last", [None])[0]
        start = 0
        if last is not None:
            start = next((i for i, t in enumerate(every) if str(t) > last), len(every))
        page = every[start : start + size]
        headers = {"Content-Type": "application/json"}
        if start + size < len(every):
            headers["Link"] = (
                f'<{path}?{urlencode({"n": size, "last": str(page[-1])})}>; rel="next"'
            )
        name = path.removeprefix("/v2/").removesuffix("/tags/list")
        self._send(request, 200, json.dumps({"name": name, "tags": page}).encode(), headers)

    def _forward(self, request: BaseHTTPRequestHandler, authorization: str | None) -> None:
        length = int(request.headers.get("Content-Length") or 0)
        body = request.rfile.read(length) if length else None
        headers = {k: v for k in ("Accept", "Content-Type") if (v := request.headers.get(k))}
        status, answer_headers, answer = self._upstream(
            request.command, request.path, authorization, body, headers
        )
        self._send(request, status, answer, answer_headers)

    def _upstream(
        self,
        method: str,
        path: str,
        authorization: str | None,
        body: bytes | None,
        headers: dict[str, str],
    ) -> tuple[int, dict[str, str], bytes]:
        assert self.upstream is not None, "this front forwards nowhere"
        conn = http.client.HTTPConnection(self.upstream, timeout=30)
        try:
            sent = dict(headers)
            if authorization and not self.behaviour.require_basic:
                sent["Authorization"] = authorization
            conn.request(method, path, body=body, headers=sent)
            response = conn.getresponse()
            data = response.read()
            kept = {}
            for name in (
                "Content-Type",
                "Docker-Content-Digest",
                "Location",
                "WWW-Authenticate",
                "Link",
                "Docker-Upload-UUID",
                "Range",
            ):
                value = response.getheader(name)
                if value is not None:
                    kept[name] = value.replace(f"http://{self.upstream}", self.base)
            return response.status, kept, data
        finally:
            conn.close()

    def _send(
        self, request: BaseHTTPRequestHandler, status: int, body: bytes, headers: dict[str, str]
    ) -> None:
        request.send_response(status)
        for name, value in headers.items():
            request.send_header(name, value)
        request.send_header("Content-Length", str(len(body)))
        request.end_headers()
        if request.command != "HEAD":
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                request.wfile.write(body)  # a client that timed out has gone


# -- fixtures --------------------------------------------------------------------------------


@dataclass
class ImageRegistry:
    """A running registry: ``host`` to talk to, ``storage`` on disk, a ``pusher`` with the
    credentials it needs, and ``front`` (the server in front of it, if any)."""

    host: str
    storage: Path
    pusher: Pusher
    front: RegistryFront | None = None


def _htpasswd(path: Path) -> None:
    # bcrypt, which is what the registry's htpasswd accepts; the stdlib's crypt is
    # deprecated but still here in 3.11, and saves a dependency for one test file.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        import crypt

        hashed = crypt.crypt(PASSWORD, crypt.mksalt(crypt.METHOD_BLOWFISH))  # noqa: S324
    path.write_text(f"{USER}:{hashed}\n")


@pytest.fixture(scope="session")
def image_registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ImageRegistry]:
    """An anonymous registry with a front (pagination, faults, redirects) before it."""
    home = tmp_path_factory.mktemp("image-registry")
    with running_registry(home) as host:
        front = RegistryFront(host)
        try:
            yield ImageRegistry(front.host, home / "storage", Pusher(f"http://{host}"), front)
        finally:
            front.close()


@pytest.fixture
def plain_front(image_registry: ImageRegistry) -> Iterator[RegistryFront]:
    """The anonymous registry's front, reset before and after the test."""
    assert image_registry.front is not None
    image_registry.front.reset()
    yield image_registry.front
    image_registry.front.reset()


@pytest.fixture(scope="session")
def tls_registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ImageRegistry, str]]:
    """An anonymous registry serving https with a certificate of a throwaway CA; the CA's
    PEM is the second value."""
    home = tmp_path_factory.mktemp("tls-registry")
    tls = make_tls(home / "tls")
    with running_registry(home, tls=(tls.cert_file, tls.key_file)) as host:
        ca = home / "ca.pem"
        ca.write_text(tls.ca_pem)
        pusher = Pusher(f"https://{host}", verify=ssl.create_default_context(cafile=ca))
        yield ImageRegistry(host, home / "storage", pusher), tls.ca_pem


@pytest.fixture(scope="session")
def basic_registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ImageRegistry]:
    """A registry behind basic auth (htpasswd with bcrypt): user ``USER``, ``PASSWORD``."""
    home = tmp_path_factory.mktemp("basic-registry")
    _htpasswd(home / "htpasswd")
    auth = f"auth:\n  htpasswd:\n    realm: trueup-test\n    path: {home / 'htpasswd'}\n"
    with running_registry(home, auth=auth) as host:
        yield ImageRegistry(host, home / "storage", Pusher(f"http://{host}", basic_header()))


@pytest.fixture(scope="session")
def token_registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ImageRegistry]:
    """A registry with token auth; its front serves the tokens at ``/token`` (same host as
    the registry API the client sees) and forwards the rest."""
    home = tmp_path_factory.mktemp("token-registry")
    issuer = TokenIssuer.create()
    (home / "bundle.pem").write_bytes(issuer.bundle())
    front_port = free_port()
    auth = (
        "auth:\n  token:\n"
        f"    realm: http://127.0.0.1:{front_port}/token\n"
        f"    service: {SERVICE}\n    issuer: {ISSUER}\n"
        f"    rootcertbundle: {home / 'bundle.pem'}\n"
    )
    with running_registry(home, auth=auth) as host:
        front = RegistryFront(host, issuer, port=front_port)
        try:
            registry = ImageRegistry(host, home / "storage", _TokenPusher(front, issuer), front)
            yield registry
        finally:
            front.close()


class _TokenPusher(Pusher):
    """Pushes with a push token for each repository, asked of the issuer directly."""

    def __init__(self, front: RegistryFront, issuer: TokenIssuer) -> None:
        super().__init__(front.base)
        self._issuer = issuer

    def _client(self) -> httpx.Client:
        return httpx.Client(base_url=self.base, timeout=30, event_hooks={"request": [self._sign]})

    def _sign(self, request: httpx.Request) -> None:
        parts = request.url.path.split("/")
        # /v2/<name...>/(blobs|manifests)/...: the repository is everything in between.
        marker = next(i for i, p in enumerate(parts) if p in ("blobs", "manifests"))
        repository = "/".join(parts[2:marker])
        answer = self._issuer.answer(
            basic_header(), SERVICE, [f"repository:{repository}:pull,push"]
        )
        assert answer is not None
        request.headers["Authorization"] = f"Bearer {answer['token']}"

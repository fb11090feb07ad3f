"""A smart-HTTP Git server for tests: ``git http-backend`` behind stdlib ``http.server``.

Serves every bare repository under ``root`` at ``/<path relative to root>`` on a free
loopback port, over plain HTTP or HTTPS (a throwaway CA, see :func:`make_tls`). With
``users`` or ``tokens`` it demands credentials (401 and ``WWW-Authenticate`` otherwise):
basic ``user:password`` from ``users``, or a token from ``tokens`` sent either as
``Authorization: Bearer <token>`` or as the password of basic credentials with any user
name (the way GitHub accepts tokens). ``REMOTE_USER`` is passed on, so pushes work.

Faults can be switched at runtime with :meth:`GitHttpServer.set_fault`: answer 500,
answer an HTML error page with status 200, hang (up to ``hang_seconds``), answer every
request properly but only after ``slow_seconds``, or be down
(the port refuses connections). Every request that reached the handler is logged in
:attr:`GitHttpServer.requests`.
"""

from __future__ import annotations

import base64
import datetime
import ipaddress
import os
import socket
import ssl
import subprocess
import threading
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from enum import StrEnum
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

HTML_PAGE = b"<html><body><h1>Service temporarily unavailable</h1></body></html>"


class Fault(StrEnum):
    """How the server misbehaves."""

    NONE = "none"
    ERROR_500 = "error-500"
    HTML_200 = "html-200"
    HANG = "hang"
    SLOW = "slow"
    DOWN = "down"


@dataclass(frozen=True)
class Request:
    """One request the handler saw."""

    method: str
    path: str
    user: str | None


@dataclass(frozen=True)
class TlsFiles:
    """A CA certificate (PEM text, what clients trust) and the server's cert and key files."""

    ca_pem: str
    cert_file: Path
    key_file: Path


def make_tls(directory: Path) -> TlsFiles:
    """A throwaway CA and a server certificate for 127.0.0.1 and localhost."""
    directory.mkdir(parents=True, exist_ok=True)
    now = datetime.datetime.now(datetime.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "trueup test CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False),
            critical=True,
        )
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    names = [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    cert_file, key_file = directory / "server.pem", directory / "server.key"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return TlsFiles(ca.public_bytes(serialization.Encoding.PEM).decode(), cert_file, key_file)


class GitHttpServer:
    """A Git smart-HTTP server in a background thread; use as a context manager."""

    def __init__(
        self,
        root: Path,
        *,
        users: Mapping[str, str] | None = None,
        tokens: Collection[str] = (),
        tls: TlsFiles | None = None,
        hang_seconds: float = 20.0,
        slow_seconds: float = 1.5,
    ) -> None:
        self.root = root
        self.users = dict(users or {})
        self.tokens = set(tokens)
        self.tls = tls
        self.hang_seconds = hang_seconds
        self.slow_seconds = slow_seconds
        """How long ``Fault.SLOW`` delays every request before answering it properly."""
        self.requests: list[Request] = []
        self.fault = Fault.NONE
        self.port = 0
        self._lock = threading.Lock()
        self._release = threading.Event()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def scheme(self) -> str:
        """``https`` when serving TLS, else ``http``."""
        return "https" if self.tls else "http"

    def url(self, relative: str) -> str:
        """The clone URL of the repository at ``root / relative``."""
        return f"{self.scheme}://127.0.0.1:{self.port}/{relative.lstrip('/')}"

    def set_fault(self, fault: Fault) -> None:
        """Switch how the server answers from now on (``Fault.NONE`` to behave)."""
        with self._lock:
            previous, self.fault = self.fault, fault
        if previous is Fault.HANG:
            self._release.set()
        if fault in (Fault.HANG, Fault.SLOW):
            self._release.clear()
        if fault is Fault.DOWN and previous is not Fault.DOWN:
            self._stop_listening()
        elif previous is Fault.DOWN and fault is not Fault.DOWN:
            self._listen()

    def clear_requests(self) -> None:
        """Forget the request log."""
        with self._lock:
            self.requests.clear()

    def log(self, request: Request) -> None:
        """Record one request."""
        with self._lock:
            self.requests.append(request)

    def start(self) -> GitHttpServer:
        """Start serving on a free loopback port."""
        self._listen()
        return self

    def stop(self) -> None:
        """Stop serving and release hanging requests."""
        self._release.set()
        self._stop_listening()

    def __enter__(self) -> GitHttpServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _listen(self) -> None:
        server = ThreadingHTTPServer(("127.0.0.1", self.port), _handler_for(self))
        server.daemon_threads = True
        if self.tls:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(self.tls.cert_file, self.tls.key_file)
            server.socket = context.wrap_socket(server.socket, server_side=True)
        self.port = server.server_address[1]
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, daemon=True)
        self._thread.start()

    def _stop_listening(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def check_credentials(self, header: str | None) -> str | None:
        """The user a request's ``Authorization`` header proves, or None."""
        if not self.users and not self.tokens:
            return "anonymous"
        if not header:
            return None
        scheme, _, value = header.partition(" ")
        if scheme.lower() == "bearer":
            return "token" if value.strip() in self.tokens else None
        if scheme.lower() != "basic":
            return None
        try:
            user, _, password = base64.b64decode(value.strip()).decode().partition(":")
        except (ValueError, UnicodeDecodeError):
            return None
        if self.users.get(user) == password or password in self.tokens:
            return user
        return None


def _handler_for(server: GitHttpServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.0"

        def do_GET(self) -> None:
            self._serve()

        def do_POST(self) -> None:
            self._serve()

        def log_message(self, format: str, *args: object) -> None:
            pass  # keep test output clean

        def _serve(self) -> None:
            user = server.check_credentials(self.headers.get("Authorization"))
            server.log(Request(self.command, self.path, user))
            fault = server.fault
            if fault is Fault.HANG:
                server._release.wait(server.hang_seconds)
                self.close_connection = True
                return
            if fault is Fault.SLOW:
                server._release.wait(server.slow_seconds)
            if fault is Fault.ERROR_500:
                self._reply(500, b"internal error\n", "text/plain")
                return
            if fault is Fault.HTML_200:
                self._reply(200, HTML_PAGE, "text/html")
                return
            if user is None:
                self.send_response(401)
                self.send_header("WWW-Authenticate", 'Basic realm="git"')
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self._backend(user)

        def _reply(self, status: int, body: bytes, content_type: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _read_body(self) -> bytes:
            if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
                body = bytearray()
                while True:
                    size = int(self.rfile.readline().split(b";")[0].strip(), 16)
                    if size == 0:
                        self.rfile.readline()
                        return bytes(body)
                    body += self.rfile.read(size)
                    self.rfile.readline()
            length = int(self.headers.get("Content-Length") or 0)
            return self.rfile.read(length) if length else b""

        def _backend(self, user: str) -> None:
            body = self._read_body() if self.command == "POST" else b""
            parts = urlsplit(self.path)
            env = {
                "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
                "GIT_PROJECT_ROOT": str(server.root),
                "GIT_HTTP_EXPORT_ALL": "1",
                "GIT_CONFIG_NOSYSTEM": "1",
                "GIT_CONFIG_GLOBAL": "/dev/null",
                # Like GitHub: a client may fetch any commit reachable from a ref.
                "GIT_CONFIG_COUNT": "1",
                "GIT_CONFIG_KEY_0": "uploadpack.allowReachableSHA1InWant",
                "GIT_CONFIG_VALUE_0": "true",
                "REQUEST_METHOD": self.command,
                "PATH_INFO": parts.path,
                "QUERY_STRING": parts.query,
                "CONTENT_TYPE": self.headers.get("Content-Type", ""),
                "CONTENT_LENGTH": str(len(body)),
                "REMOTE_USER": user,
                "REMOTE_ADDR": self.client_address[0],
            }
            for header in ("Git-Protocol", "Content-Encoding"):
                if self.headers.get(header):
                    env["HTTP_" + header.upper().replace("-", "_")] = self.headers[header]
            done = subprocess.run(
                ["git", "http-backend"], input=body, env=env, capture_output=True, check=False
            )
            head, _, payload = done.stdout.partition(b"\r\n\r\n")
            if not _:
                head, _, payload = done.stdout.partition(b"\n\n")
            status, headers = 200, []
            for line in head.decode("latin-1").splitlines():
                name, _, value = line.partition(":")
                if name.lower() == "status":
                    status = int(value.strip().split()[0])
                elif name:
                    headers.append((name, value.strip()))
            self.send_response(status)
            for name, value in headers:
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

    return Handler


def free_port() -> int:
    """A loopback port that was free a moment ago."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port

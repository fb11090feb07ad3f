"""How to reach one API server: its address, trust, and credentials.

A :class:`ClusterConnection` comes from a kubeconfig
(:func:`trueup.targets.kubernetes.kubeconfig.load_kubeconfig`) or from the service account
of the pod trueup runs in (:meth:`ClusterConnection.in_cluster`). Secrets (token, client
key) are left out of its repr. It makes the parts a client needs: the TLS context
(:meth:`ClusterConnection.ssl_context`), the transport and the token source, which share
one exec credential plugin when the kubeconfig names one (and an httpx auth, for clients
built on httpx).
"""

from __future__ import annotations

import contextlib
import ipaddress
import os
import ssl
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from trueup.errors import ConfigError
from trueup.targets.kubernetes.auth import ClusterAuth, FileToken, StaticToken, TokenSource
from trueup.targets.kubernetes.exec_credentials import (
    ExecCertificateTransport,
    ExecCredential,
    ExecCredentials,
    ExecPlugin,
)
from trueup.targets.kubernetes.http1 import Http1Transport

SERVICE_ACCOUNT_DIR = Path("/var/run/secrets/kubernetes.io/serviceaccount")
"""Where Kubernetes mounts a pod's service account token, CA and namespace."""


@dataclass(frozen=True, slots=True)
class ClusterConnection:
    """Address, trust and credentials of one API server; files are paths, data is bytes."""

    server: str
    ca_data: bytes | None = field(default=None, repr=False)
    """PEM certificates trusted for the server; None trusts the system's CAs."""
    client_cert_file: str | None = None
    client_cert_data: bytes | None = field(default=None, repr=False)
    client_key_file: str | None = None
    client_key_data: bytes | None = field(default=None, repr=False)
    token: str | None = field(default=None, repr=False)
    token_file: str | None = None
    """Read per request (cached a minute): wins over ``token``, as in kubectl."""
    exec_plugin: ExecPlugin | None = None
    insecure_skip_tls_verify: bool = False
    tls_server_name: str | None = None
    namespace: str = "default"
    """The namespace for namespaced objects that name none."""
    origin: str = ""
    """Where this came from (``<kubeconfig>: context <name>``), for messages."""
    context: str = ""
    """The kubeconfig context it was read from ('' for the in-cluster service account)."""
    impersonate_user: str | None = None
    """Sent as ``Impersonate-User``: requests act as this user (an App's service account)."""
    _exec: ExecCredentials | None = field(default=None, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.exec_plugin is not None:
            # One plugin run serves both the bearer token (auth) and the certificate (transport).
            object.__setattr__(self, "_exec", ExecCredentials(self.exec_plugin))
        where = f"{self.origin}: " if self.origin else ""
        url = urlsplit(self.server)
        if url.scheme not in ("https", "http") or not url.hostname:
            raise ConfigError(f"{where}server {self.server!r} is not an http(s) URL")
        if url.scheme == "http" and self.has_credentials and not _is_loopback(url.hostname):
            raise ConfigError(
                f"{where}refusing to send credentials to {self.server} over plain http; use https"
            )
        if self.insecure_skip_tls_verify and self.ca_data:
            raise ConfigError(
                f"{where}certificate-authority and insecure-skip-tls-verify exclude each other; "
                "remove one"
            )
        if (self.client_cert_file or self.client_cert_data) and not (
            self.client_key_file or self.client_key_data
        ):
            raise ConfigError(f"{where}a client certificate needs a client key; add client-key")

    @property
    def has_credentials(self) -> bool:
        """Whether requests carry a token or a client certificate."""
        return bool(
            self.token
            or self.token_file
            or self.exec_plugin
            or self.client_cert_file
            or self.client_cert_data
        )

    def token_source(self) -> TokenSource | None:
        """Where requests get their bearer token from, or None for none."""
        if self._exec is not None:
            return self._exec
        if self.token_file:
            return FileToken(Path(self.token_file))
        if self.token:
            return StaticToken(self.token)
        return None

    def auth(self) -> httpx.Auth | None:
        """The httpx auth adding the bearer token and impersonation, or None for neither."""
        source = self.token_source()
        if source is None and not self.impersonate_user:
            return None
        return ClusterAuth(source, impersonate_user=self.impersonate_user)

    def fixed_headers(self) -> dict[str, str] | None:
        """The auth headers when they never change (a kubeconfig token, or none), else None.

        A client sends these with every request instead of running :meth:`auth` per request.
        """
        source = self.token_source()
        if source is not None and not isinstance(source, StaticToken):
            return None
        headers = {"Authorization": f"Bearer {source.value}"} if source and source.value else {}
        if self.impersonate_user:
            headers["Impersonate-User"] = self.impersonate_user
        return headers

    def transport(self, keepalive: int) -> Http1Transport | ExecCertificateTransport:
        """The HTTP/1.1 transport (``keepalive`` idle connections at most), presenting an
        exec plugin's certificate if it has one."""

        def make(credential: ExecCredential | None = None) -> Http1Transport:
            return Http1Transport(self.ssl_context(credential), keepalive=keepalive)

        if self._exec is None:
            return make()
        return ExecCertificateTransport(self._exec, make)

    def ssl_context(self, credential: ExecCredential | None = None) -> ssl.SSLContext:
        """TLS settings: the trusted CAs, the client certificate, or no verification.

        ``credential`` is an exec plugin's answer; its certificate wins over the kubeconfig's.
        """
        # Only the CAs that are needed are loaded: the system's bundle costs about 0.1 s of
        # CPU, and a kubeconfig with its own CA (or none at all) does not need it.
        if self.insecure_skip_tls_verify:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        elif self.ca_data:
            context = ssl.create_default_context(cadata=self.ca_data.decode("ascii", "replace"))
        else:
            context = ssl.create_default_context()
        try:
            cert_file, cert_data = self.client_cert_file, self.client_cert_data
            key_file, key_data = self.client_key_file, self.client_key_data
            if credential is not None and credential.client_cert:
                cert_file, cert_data = None, credential.client_cert
                key_file, key_data = None, credential.client_key
            with _as_file(cert_file, cert_data) as cert, _as_file(key_file, key_data) as key:
                if cert:
                    context.load_cert_chain(cert, key)
        except (ssl.SSLError, OSError) as error:
            where = self.origin or self.server
            raise ConfigError(
                f"{where}: the client certificate or key cannot be loaded "
                f"({type(error).__name__}); check "
                + (
                    f"what the {self.exec_plugin.describe()} returns"
                    if credential is not None and self.exec_plugin is not None
                    else "client-certificate and client-key"
                )
            ) from error
        return context

    @classmethod
    def in_cluster(
        cls,
        *,
        environ: Mapping[str, str] | None = None,
        service_account_dir: Path = SERVICE_ACCOUNT_DIR,
    ) -> ClusterConnection:
        """The connection of the pod trueup runs in: its service account and the cluster CA."""
        environ = os.environ if environ is None else environ
        host = environ.get("KUBERNETES_SERVICE_HOST", "")
        port = environ.get("KUBERNETES_SERVICE_PORT", "")
        if not host or not port:
            raise ConfigError(
                "not running inside a Kubernetes pod (KUBERNETES_SERVICE_HOST/PORT are unset); "
                "use a kubeconfig instead"
            )
        token_file = service_account_dir / "token"
        if not token_file.is_file():
            raise ConfigError(f"{token_file}: no service account token is mounted in this pod")
        ca_file = service_account_dir / "ca.crt"
        namespace_file = service_account_dir / "namespace"
        host = f"[{host}]" if ":" in host else host
        return cls(
            server=f"https://{host}:{port}",
            ca_data=ca_file.read_bytes() if ca_file.is_file() else None,
            token_file=str(token_file),
            namespace=(
                namespace_file.read_text(encoding="utf-8").strip()
                if namespace_file.is_file()
                else "default"
            ),
            origin="in-cluster service account",
        )


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@contextlib.contextmanager
def _as_file(path: str | None, data: bytes | None) -> Iterator[str | None]:
    """``data`` in a private (0600) temporary file deleted on exit, else ``path``.

    Data wins over a file when both are set, as in kubectl.
    """
    if not data:
        yield path
        return
    fd, name = tempfile.mkstemp(prefix="trueup-tls-")  # mkstemp creates it 0600
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        yield name
    finally:
        os.unlink(name)

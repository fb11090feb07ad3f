"""How Helm's ``lookup`` reaches the target cluster when an App allows it (``spec.helm.lookup``).

Without it, ``lookup`` returns nothing, as ``helm template`` does. With it, the helper reads
the cluster live through Helm's own ``lookup``, as trueup connects to the target (server,
trust, credentials) but acting as the App's service account: every request carries
``Impersonate-User: system:serviceaccount:<namespace>:<name>``, so the cluster's RBAC
decides what a chart may read, never trueup's own rights. A lookup the service account may
not make fails the render with the API server's "forbidden" answer; one of an object that
does not exist returns nothing, as in Helm.

The access travels to the helper inside its JSON request on stdin: never on a command
line, in its environment, in a file or in a repr. ``inputs.render_setup`` resolves the
credentials first (the current token of a token file or exec plugin, a client certificate
read from its file or returned by the plugin), so the helper runs no program and reads no
file to authenticate.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from trueup.errors import RenderError

LOOKUP_REQUEST_SECONDS = 15
"""How long one ``lookup`` request may take before the render fails naming it."""


@dataclass(frozen=True, slots=True)
class LookupAccess:
    """The API server ``lookup`` asks, with which trust and credentials, as which user."""

    server: str
    impersonate_user: str
    """``system:serviceaccount:<namespace>:<name>``: the user every lookup acts as."""
    ca_data: bytes | None = field(default=None, repr=False)
    """PEM certificates trusted for the server; None trusts the system's CAs."""
    client_cert_data: bytes | None = field(default=None, repr=False)
    client_key_data: bytes | None = field(default=None, repr=False)
    token: str = field(default="", repr=False)
    tls_server_name: str = ""
    insecure_skip_tls_verify: bool = False

    def __post_init__(self) -> None:
        if not self.impersonate_user:
            raise RenderError(
                "Helm's lookup runs only as the App's service account, never with trueup's "
                "own rights; set spec.serviceAccountName"
            )

    def request(self) -> dict[str, Any]:
        """The ``lookup`` part of the helper's request."""
        return {
            "server": self.server,
            "impersonateUser": self.impersonate_user,
            "caData": _text(self.ca_data),
            "certData": _text(self.client_cert_data),
            "keyData": _text(self.client_key_data),
            "token": self.token,
            "tlsServerName": self.tls_server_name,
            "insecure": self.insecure_skip_tls_verify,
            "timeoutSeconds": LOOKUP_REQUEST_SECONDS,
        }


def _text(pem: bytes | None) -> str:
    return pem.decode("ascii", "replace") if pem else ""


__all__ = ["LOOKUP_REQUEST_SECONDS", "LookupAccess"]

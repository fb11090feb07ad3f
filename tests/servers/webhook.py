"""An admission webhook on loopback, for the API server of the dev-cluster to call.

The dev-cluster's API server runs on this machine, so a webhook registered with
``clientConfig.url: https://127.0.0.1:PORT/…`` and the test CA as ``caBundle`` is
reached directly (no Service, no proxy). :class:`DenyingWebhook` denies every request it
is asked about; :func:`webhook_configuration` registers a URL for one namespace only, so
that other tests sharing the cluster are not affected.
"""

from __future__ import annotations

import base64
import json
import socket
import ssl
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from tests.servers.cluster import Kube
from tests.servers.git_http import TlsFiles, make_tls


class DenyingWebhook:
    """A validating admission webhook over TLS that denies everything with ``message``.

    With ``only_applies``, server-side dry-runs are allowed and only real changes denied.
    """

    def __init__(self, directory: Path, message: str, *, only_applies: bool = False) -> None:
        self.tls: TlsFiles = make_tls(directory)
        self.message = message
        self.only_applies = only_applies
        self.reviews: list[dict[str, Any]] = []
        """Every AdmissionReview request received, in order."""
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """The webhook's URL."""
        assert self._server is not None
        return f"https://127.0.0.1:{self._server.server_address[1]}/deny"

    def __enter__(self) -> DenyingWebhook:
        server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        server.daemon_threads = True
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.tls.cert_file, self.tls.key_file)
        server.socket = context.wrap_socket(server.socket, server_side=True)
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)


def _handler_for(webhook: DenyingWebhook) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            review = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            webhook.reviews.append(review)
            allowed = webhook.only_applies and bool(review["request"].get("dryRun"))
            answer = {
                "apiVersion": "admission.k8s.io/v1",
                "kind": "AdmissionReview",
                "response": {
                    "uid": review["request"]["uid"],
                    "allowed": allowed,
                    "status": {"code": 403, "message": webhook.message},
                },
            }
            body = json.dumps(answer).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def webhook_configuration(
    name: str, url: str, ca_pem: str, namespace: str, resources: str = "configmaps"
) -> dict[str, Any]:
    """A ValidatingWebhookConfiguration sending core ``resources`` of ``namespace`` to ``url``.

    ``sideEffects: None`` lets dry-runs through to the webhook; ``failurePolicy: Fail``
    makes an unreachable webhook refuse the request.
    """
    return {
        "apiVersion": "admissionregistration.k8s.io/v1",
        "kind": "ValidatingWebhookConfiguration",
        "metadata": {"name": name},
        "webhooks": [
            {
                "name": f"{name}.trueup.test",
                "clientConfig": {
                    "url": url,
                    "caBundle": base64.b64encode(ca_pem.encode()).decode(),
                },
                "rules": [
                    {
                        "operations": ["CREATE", "UPDATE", "DELETE"],
                        "apiGroups": [""],
                        "apiVersions": ["v1"],
                        "resources": [resources],
                    }
                ],
                "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": namespace}},
                "failurePolicy": "Fail",
                "sideEffects": "None",
                "admissionReviewVersions": ["v1"],
                "timeoutSeconds": 5,
            }
        ],
    }


def register(kube: Kube, configuration: dict[str, Any], namespace: str, says: str) -> None:
    """Create ``configuration`` and wait until the API server calls it for ``namespace``.

    The API server picks up webhook configurations from a watch, shortly after they are
    created: a server dry-run of a ConfigMap is repeated until its refusal ``says`` so.
    """
    kube.kubectl("apply", "-f", "-", input=json.dumps(configuration))
    answer = ""
    for _ in range(120):
        answer = kube.kubectl(
            "-n",
            namespace,
            "create",
            "configmap",
            "webhook-probe",
            "--dry-run=server",
            check=False,
        )
        if says in answer:
            return
        time.sleep(0.25)
    raise AssertionError(f"the webhook was never called; the last answer was: {answer}")

"""The few API calls ``up`` and ``status`` make, as the admin identity over TLS.

Deliberately small and synchronous: the dev-cluster is a tool, not part of the engine, and
must work before anything else of trueup's is configured.
"""

from __future__ import annotations

import ssl
import time
from collections.abc import Callable
from typing import Any

import httpx

from trueup.devcluster.layout import Pki
from trueup.errors import DevClusterError

Json = dict[str, Any]


def client(server: str, pki: Pki, timeout: float = 10.0) -> httpx.Client:
    """An HTTP client that trusts the dev-cluster's CA and presents the admin certificate."""
    context = ssl.create_default_context(cafile=str(pki.ca_cert))
    context.load_cert_chain(str(pki.admin_cert), str(pki.admin_key))
    return httpx.Client(base_url=server, verify=context, timeout=timeout)


def wait_until(
    what: str, check: Callable[[], bool], timeout: float, alive: Callable[[], None]
) -> None:
    """Poll ``check`` until it is true; ``alive`` raises when a process we wait on has died."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        alive()
        try:
            if check():
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.25)
    raise DevClusterError(f"timed out after {timeout:.0f}s waiting for {what}")


def ready(http: httpx.Client) -> bool:
    """True once ``/readyz`` answers ``ok``."""
    response = http.get("/readyz")
    return response.status_code == 200 and response.text.strip() == "ok"


def exists(http: httpx.Client, path: str) -> bool:
    """True when GET ``path`` answers 200."""
    return http.get(path).status_code == 200


def create(http: httpx.Client, path: str, body: Json) -> None:
    """POST ``body`` to ``path``; an object that already exists is fine."""
    response = http.post(path, json=body)
    if response.status_code not in (200, 201, 409):
        raise DevClusterError(f"POST {path} failed: {response.status_code} {response.text[:300]}")


def ready_nodes(http: httpx.Client) -> list[str]:
    """Names of the nodes whose Ready condition is True."""
    response = http.get("/api/v1/nodes")
    response.raise_for_status()
    names = []
    for node in response.json().get("items", []):
        conditions = node.get("status", {}).get("conditions", [])
        if any(c.get("type") == "Ready" and c.get("status") == "True" for c in conditions):
            names.append(node["metadata"]["name"])
    return names


def fake_node(name: str) -> Json:
    """A Node that kwok manages: annotated for kwok, labelled like a worker, untainted.

    No taint, so that ordinary workloads schedule onto it without tolerations.
    """
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {
            "name": name,
            "annotations": {"kwok.x-k8s.io/node": "fake", "node.alpha.kubernetes.io/ttl": "0"},
            "labels": {
                "type": "kwok",
                "kubernetes.io/arch": "amd64",
                "kubernetes.io/os": "linux",
                "kubernetes.io/hostname": name,
                "node-role.kubernetes.io/worker": "",
            },
        },
        "status": {
            "allocatable": {"cpu": "32", "memory": "256Gi", "pods": "250"},
            "capacity": {"cpu": "32", "memory": "256Gi", "pods": "250"},
        },
    }

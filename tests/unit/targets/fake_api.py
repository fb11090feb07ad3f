"""A scripted API server for ``httpx.MockTransport``: routes answer, requests are recorded."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import orjson

from trueup.targets.kubernetes import ClusterConnection, KubernetesTarget
from trueup.targets.retry import Backoff

Answer = httpx.Response | Callable[[httpx.Request], httpx.Response]

CORE_DISCOVERY = {
    "kind": "APIGroupDiscoveryList",
    "items": [
        {
            "metadata": {},
            "versions": [
                {
                    "version": "v1",
                    "resources": [
                        {
                            "resource": "configmaps",
                            "responseKind": {"kind": "ConfigMap"},
                            "scope": "Namespaced",
                        },
                        {
                            "resource": "namespaces",
                            "responseKind": {"kind": "Namespace"},
                            "scope": "Cluster",
                        },
                    ],
                }
            ],
        }
    ],
}


def discovered_group(group: str, resource: str, kind: str, scope: str = "Namespaced") -> Any:
    """One API group of an aggregated discovery list, serving one resource in ``v1``."""
    return {
        "metadata": {"name": group},
        "versions": [
            {
                "version": "v1",
                "resources": [
                    {"resource": resource, "responseKind": {"kind": kind}, "scope": scope}
                ],
            }
        ],
    }


WIDGETS = discovered_group("example.com", "widgets", "Widget")

GROUP_DISCOVERY = {
    "kind": "APIGroupDiscoveryList",
    "items": [
        {
            "metadata": {"name": "apps"},
            "versions": [
                {
                    "version": "v1",
                    "resources": [
                        {
                            "resource": "deployments",
                            "responseKind": {"kind": "Deployment"},
                            "scope": "Namespaced",
                        }
                    ],
                }
            ],
        },
        {
            "metadata": {"name": "apiextensions.k8s.io"},
            "versions": [
                {
                    "version": "v1",
                    "resources": [
                        {
                            "resource": "customresourcedefinitions",
                            "responseKind": {"kind": "CustomResourceDefinition"},
                            "scope": "Cluster",
                        }
                    ],
                }
            ],
        },
    ],
}


def json_response(status: int, body: Any, headers: dict[str, str] | None = None) -> httpx.Response:
    """A JSON answer."""
    return httpx.Response(status, content=orjson.dumps(body), headers=headers)


def status_response(code: int, reason: str, message: str, **extra: Any) -> httpx.Response:
    """A Kubernetes ``Status`` failure answer."""
    body = {"kind": "Status", "status": "Failure", "code": code, "reason": reason}
    return json_response(code, {**body, "message": message, **extra})


class FakeApi:
    """Answers by (method, path); ``/api`` and ``/apis`` answer aggregated discovery."""

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []
        self.routes: dict[tuple[str, str], list[Answer]] = {}
        self.on("GET", "/api", json_response(200, CORE_DISCOVERY))
        self.on("GET", "/apis", json_response(200, GROUP_DISCOVERY))

    def on(self, method: str, path: str, *answers: Answer) -> None:
        """Answer requests to ``path`` with ``answers`` in order; the last one repeats."""
        self.routes[(method, path)] = list(answers)

    def sent(self, method: str, path: str) -> list[httpx.Request]:
        """The requests received for ``method`` and ``path``."""
        return [r for r in self.requests if (r.method, r.url.path) == (method, path)]

    def handle(self, request: httpx.Request) -> httpx.Response:
        """The MockTransport handler."""
        request.read()
        self.requests.append(request)
        answers = self.routes.get((request.method, request.url.path))
        if not answers:
            return status_response(404, "NotFound", f"no route {request.url.path}")
        answer = answers.pop(0) if len(answers) > 1 else answers[0]
        return answer(request) if callable(answer) else answer


class FakeSleep:
    """Records sleeps instead of sleeping."""

    def __init__(self) -> None:
        self.slept: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.slept.append(seconds)


def make_target(api: FakeApi, sleep: FakeSleep | None = None, **options: Any) -> KubernetesTarget:
    """A target talking to ``api`` with a static token and no real sleeping."""
    connection = ClusterConnection(
        server="https://127.0.0.1:6443", token="s3cret-token-canary", namespace="team"
    )
    return KubernetesTarget(
        connection,
        transport=httpx.MockTransport(api.handle),
        sleep=sleep or FakeSleep(),
        backoff=options.pop("backoff", Backoff(attempts=4)),
        **options,
    )

"""The dev-cluster is a real control plane: workloads roll out, CRDs serve, SSA and RBAC work.

Everything here goes through the machine's ``kubectl``, as a user would.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.servers.cluster import Kube

pytestmark = pytest.mark.cluster

DEPLOYMENT = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 3
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: web, image: registry.example/web:1.0}]
"""

CRD = """
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: widgets.example.trueup.dev}
spec:
  group: example.trueup.dev
  names: {kind: Widget, plural: widgets, singular: widget}
  scope: Namespaced
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          type: object
          properties:
            spec:
              type: object
              properties: {size: {type: integer}}
"""


def test_nodes_are_ready_kwok_nodes(kube: Kube) -> None:
    nodes = json.loads(kube.kubectl("get", "nodes", "-o", "json"))["items"]
    assert len(nodes) == 3
    for node in nodes:
        assert node["metadata"]["annotations"]["kwok.x-k8s.io/node"] == "fake"
        ready = [c for c in node["status"]["conditions"] if c["type"] == "Ready"]
        assert ready[0]["status"] == "True"


def test_a_deployment_of_three_replicas_becomes_available_on_kwok_nodes(
    kube: Kube, namespace: str
) -> None:
    kube.kubectl("apply", "-n", namespace, "-f", "-", input=DEPLOYMENT)
    kube.kubectl("rollout", "status", "-n", namespace, "deployment/web", "--timeout=90s")
    kube.kubectl(
        "wait", "-n", namespace, "deployment/web", "--for=condition=Available", "--timeout=60s"
    )
    pods = json.loads(kube.kubectl("get", "pods", "-n", namespace, "-o", "json"))["items"]
    assert len(pods) == 3
    for pod in pods:
        assert pod["spec"]["nodeName"].startswith("trueup-worker-")
        assert pod["status"]["phase"] == "Running"


def test_a_crd_becomes_established_and_serves_its_custom_resources(
    kube: Kube, namespace: str
) -> None:
    kube.kubectl("apply", "-f", "-", input=CRD)
    kube.kubectl(
        "wait",
        "crd/widgets.example.trueup.dev",
        "--for=condition=Established",
        "--timeout=60s",
    )
    widget = (
        "apiVersion: example.trueup.dev/v1\nkind: Widget\nmetadata: {name: w1}\nspec: {size: 3}\n"
    )
    kube.kubectl("apply", "-n", namespace, "-f", "-", input=widget)
    got = json.loads(kube.kubectl("get", "widget", "w1", "-n", namespace, "-o", "json"))
    assert got["spec"] == {"size": 3}


def test_a_server_side_apply_dry_run_returns_the_merged_object_and_changes_nothing(
    kube: Kube, namespace: str
) -> None:
    configmap = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings}\ndata: {a: '1'}\n"
    kube.kubectl("apply", "--server-side", "-n", namespace, "-f", "-", input=configmap)
    kube.kubectl("label", "configmap", "settings", "-n", namespace, "team=blue")
    changed = configmap.replace("a: '1'", "a: '2'")
    dry_run = json.loads(
        kube.kubectl(
            "apply",
            "--server-side",
            "--dry-run=server",
            "-o",
            "json",
            "-n",
            namespace,
            "-f",
            "-",
            input=changed,
        )
    )
    assert dry_run["data"] == {"a": "2"}
    assert dry_run["metadata"]["labels"] == {"team": "blue"}
    live = json.loads(kube.kubectl("get", "configmap", "settings", "-n", namespace, "-o", "json"))
    assert live["data"] == {"a": "1"}


def test_an_unprivileged_service_account_is_denied_by_rbac(
    kube: Kube, namespace: str, tmp_path: Path
) -> None:
    kube.kubectl("create", "serviceaccount", "nobody", "-n", namespace)
    token = kube.kubectl("create", "token", "nobody", "-n", namespace).strip()
    admin = json.loads(kube.kubectl("config", "view", "--raw", "--minify", "-o", "json"))
    cluster = admin["clusters"][0]["cluster"]
    as_nobody = tmp_path / "nobody.kubeconfig"
    as_nobody.write_text(
        json.dumps(
            {
                "apiVersion": "v1",
                "kind": "Config",
                "clusters": [{"name": "dev", "cluster": cluster}],
                "users": [{"name": "nobody", "user": {"token": token}}],
                "contexts": [{"name": "dev", "context": {"cluster": "dev", "user": "nobody"}}],
                "current-context": "dev",
            }
        )
    )
    nobody = Kube(kubeconfig=as_nobody, server=kube.server)
    assert "system:serviceaccount:" + namespace + ":nobody" in nobody.kubectl("auth", "whoami")
    denied = nobody.kubectl("get", "pods", "-n", namespace, check=False)
    assert "forbidden" in denied.lower()
    assert nobody.kubectl("auth", "can-i", "list", "pods", "-n", namespace, check=False).startswith(
        "no"
    )

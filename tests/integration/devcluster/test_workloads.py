"""StatefulSets, DaemonSets and Jobs progress on kwok nodes and report status as on real ones."""

from __future__ import annotations

import json

import pytest

from tests.servers.cluster import Kube

pytestmark = pytest.mark.cluster

POD_TEMPLATE = """
    metadata: {labels: {app: NAME}}
    spec:
      containers: [{name: main, image: registry.example/NAME:1}]"""

WORKLOADS = (
    """
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec:
  serviceName: db
  replicas: 2
  selector: {matchLabels: {app: db}}
  template:"""
    + POD_TEMPLATE.replace("NAME", "db")
    + """
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent}
spec:
  selector: {matchLabels: {app: agent}}
  template:"""
    + POD_TEMPLATE.replace("NAME", "agent")
    + """
---
apiVersion: batch/v1
kind: Job
metadata: {name: migrate}
spec:
  template:
    spec:
      restartPolicy: Never
      containers: [{name: main, image: registry.example/migrate:1}]
"""
)


def test_statefulsets_daemonsets_and_jobs_complete_their_rollouts(
    kube: Kube, namespace: str
) -> None:
    kube.kubectl("apply", "-n", namespace, "-f", "-", input=WORKLOADS)
    for workload in ("statefulset/db", "daemonset/agent"):
        kube.kubectl("rollout", "status", "-n", namespace, workload, "--timeout=90s")
    kube.kubectl(
        "wait", "-n", namespace, "job/migrate", "--for=condition=Complete", "--timeout=90s"
    )

    def get(kind: str, name: str) -> dict[str, object]:
        found = json.loads(kube.kubectl("get", kind, name, "-n", namespace, "-o", "json"))
        status: dict[str, object] = found["status"]
        return status

    assert get("statefulset", "db")["readyReplicas"] == 2
    nodes = len(json.loads(kube.kubectl("get", "nodes", "-o", "json"))["items"])
    agent = get("daemonset", "agent")
    assert agent["numberReady"] == agent["desiredNumberScheduled"] == nodes
    assert get("job", "migrate")["succeeded"] == 1

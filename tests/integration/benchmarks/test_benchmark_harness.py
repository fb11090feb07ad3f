"""The sync benchmark's harness, run small on the session's dev-cluster: no timing is asserted.

It checks what a benchmark reader relies on: a row per phase, trueup reporting every object
created and then unchanged, the Go peer measured cold only, and every tool's objects really
in the cluster afterwards, each written by its own field manager. The Go peer is built
(and cached) on first use.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from benchmarks.report import Result, columns, markdown_table
from benchmarks.sync import Bench
from benchmarks.workload import objects

from tests.servers.cluster import Kube

pytestmark = pytest.mark.cluster

SIZE = 10
KINDS = "configmaps,secrets,services,deployments"


@pytest.fixture(scope="module")
def bench(kube: Kube, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Bench]:
    """A bench that has run once at size 10; its namespaces are deleted afterwards."""
    session = Bench(kube.kubeconfig, tmp_path_factory.mktemp("bench"))
    yield session
    session.delete_namespaces()


@pytest.fixture(scope="module")
def results(bench: Bench) -> list[Result]:
    """The harness's results for one repeat of ten objects."""
    return bench.run([SIZE], repeat=1)


def test_the_table_has_a_cold_and_a_warm_row_for_the_size(results: list[Result]) -> None:
    assert [(r.size, r.phase) for r in results] == [(SIZE, "cold"), (SIZE, "warm")]
    peers = ("go", "go-apply", "kubectl", "kubectl-novalidate")
    lines = markdown_table(results, peers).splitlines()
    assert lines[0] == "| " + " | ".join(columns(peers)) + " |"
    assert [line.split(" | ")[:2] for line in lines[2:]] == [["| 10", "cold"], ["| 10", "warm"]]
    cold, warm = results
    assert set(cold.samples) == {"trueup", *peers}
    assert set(warm.samples) == {"trueup", "kubectl", "kubectl-novalidate"}
    for r in results:
        for sample in r.samples.values():
            assert sample.seconds > 0
            assert sample.peak_mib > 0


def test_trueup_created_everything_cold_and_changed_nothing_warm(results: list[Result]) -> None:
    assert [r.summaries for r in results] == [(f"{SIZE} created",), (f"{SIZE} unchanged",)]


@pytest.mark.parametrize(
    ("tool", "manager"),
    [
        ("trueup", "trueup"),
        ("go", "ssapply"),
        ("go-apply", "ssapply"),
        ("kubectl", "bench"),
        ("kubectl-novalidate", "bench"),
    ],
)
def test_every_tools_objects_exist_written_by_their_field_manager(
    kube: Kube, bench: Bench, results: list[Result], tool: str, manager: str
) -> None:
    namespace = bench.namespaces[(SIZE, tool, 0)]
    get = ("get", KINDS, "-n", namespace, "-o", "json", "--show-managed-fields")
    listed = json.loads(kube.kubectl(*get))["items"]
    expected = {(obj["kind"], obj["metadata"]["name"]) for obj in objects(SIZE)}
    assert {(item["kind"], item["metadata"]["name"]) for item in listed} >= expected
    for item in listed:
        if (item["kind"], item["metadata"]["name"]) in expected:
            managers = {entry["manager"] for entry in item["metadata"]["managedFields"]}
            assert manager in managers, item["metadata"]["name"]


def test_the_run_leaves_its_logs_in_the_work_directory(bench: Bench, results: list[Result]) -> None:
    logs = {path.name for path in Path(bench.workdir, "logs").iterdir()}
    assert {f"trueup-{SIZE}-0-cold.log", f"kubectl-{SIZE}-0-warm.log"} <= logs

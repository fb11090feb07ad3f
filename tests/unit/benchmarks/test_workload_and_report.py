"""The benchmark's generated app and its report, without a cluster."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
import yaml
from benchmarks.measure import Sample
from benchmarks.report import BEGIN, END, Result, columns, markdown_table, write_section
from benchmarks.sync import nodes_for, tools_of
from benchmarks.workload import PER_FILE, mix, objects, write_manifests


@pytest.mark.parametrize(
    ("size", "expected"),
    [
        (10, {"Deployment": 1, "Service": 1, "Secret": 1, "ConfigMap": 7}),
        (1000, {"Deployment": 10, "Service": 40, "Secret": 50, "ConfigMap": 900}),
        (5000, {"Deployment": 50, "Service": 200, "Secret": 250, "ConfigMap": 4500}),
    ],
)
def test_the_mix_is_mostly_configmaps_with_every_kind_present(
    size: int, expected: dict[str, int]
) -> None:
    assert mix(size) == expected
    generated = objects(size)
    assert Counter(obj["kind"] for obj in generated) == expected
    names = {(obj["kind"], obj["metadata"]["name"]) for obj in generated}
    assert len(names) == size


def test_objects_name_no_namespace_so_either_tool_can_place_them() -> None:
    assert all("namespace" not in obj["metadata"] for obj in objects(100))


def test_manifests_are_written_ten_to_a_file_and_read_back_unchanged(tmp_path: Path) -> None:
    generated = objects(25)
    write_manifests(tmp_path, generated)
    files = sorted(tmp_path.iterdir())
    assert len(files) == 3
    read = [doc for path in files for doc in yaml.safe_load_all(path.read_text())]
    assert read == generated
    assert len(list(yaml.safe_load_all(files[0].read_text()))) == PER_FILE


PEERS = ("go", "kubectl")


def result(size: int, phase: str, trueup: float, kubectl: float) -> Result:
    samples = {"trueup": Sample(trueup, 80.0), "kubectl": Sample(kubectl, 60.0)}
    if phase == "cold":
        samples["go"] = Sample(kubectl / 4, 50.0)
    return Result(size, phase, samples, ("ok",))


def test_the_table_shows_the_ratio_of_trueup_to_each_peer_and_marks_peers_not_run() -> None:
    table = markdown_table(
        [result(1000, "cold", 3.0, 6.0), result(1000, "warm", 1.5, 5.0)], PEERS
    ).splitlines()
    assert table[0] == "| " + " | ".join(columns(PEERS)) + " |"
    assert columns(PEERS)[2:7] == ("trueup s", "Go client-go s", "ratio", "kubectl s", "ratio")
    assert table[2:] == [
        "| 1,000 | cold | 3.00 | 1.50 | 2.00 | 6.00 | 0.50 | 80 |",
        "| 1,000 | warm | 1.50 | n/a | n/a | 5.00 | 0.30 | 80 |",
    ]


def test_the_go_peer_brings_its_apply_only_run_and_unknown_peers_are_refused() -> None:
    assert tools_of(["kubectl", "go"]) == ("trueup", "go", "go-apply", "kubectl")
    assert tools_of([]) == ("trueup",)
    with pytest.raises(ValueError, match="unknown peers helm"):
        tools_of(["helm", "go"])


def test_writing_the_results_keeps_the_hand_written_rest_of_the_page(tmp_path: Path) -> None:
    page = tmp_path / "benchmarks.md"
    page.write_text(f"# Title\n\nmethod\n\n{BEGIN}\nold table\n{END}\n\n## Proposals\n")
    write_section(page, f"{BEGIN}\nnew table\n{END}")
    assert page.read_text() == f"# Title\n\nmethod\n\n{BEGIN}\nnew table\n{END}\n\n## Proposals\n"


def test_writing_the_results_to_a_new_page_makes_the_whole_page(tmp_path: Path) -> None:
    page = tmp_path / "docs" / "benchmarks.md"
    write_section(page, f"{BEGIN}\ntable\n{END}")
    assert page.read_text() == f"# Benchmarks\n\n{BEGIN}\ntable\n{END}\n"


def test_a_page_without_the_markers_keeps_its_text_and_gains_the_section(tmp_path: Path) -> None:
    page = tmp_path / "benchmarks.md"
    page.write_text("# Title\n\nmethod\n")
    write_section(page, f"{BEGIN}\ntable\n{END}")
    assert page.read_text() == f"# Title\n\nmethod\n\n{BEGIN}\ntable\n{END}\n"


def test_the_cluster_gets_fake_nodes_enough_for_every_deployment_of_the_run() -> None:
    tools = ("trueup", "go", "go-apply", "kubectl", "kubectl-novalidate")
    # 1 + 10 + 50 Deployments per tool and repeat: 915 pods, 200 a node.
    assert nodes_for([100, 1000, 5000], 3, tools) == 5
    assert nodes_for([10], 1, ("trueup",)) == 3, "never fewer than a dev-cluster's default"

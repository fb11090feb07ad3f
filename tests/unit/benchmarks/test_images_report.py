"""The image benchmark's configuration and report, without a registry or a cluster."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from benchmarks.images import (
    BEGIN,
    END,
    DeployResults,
    Results,
    ScanSample,
    deploy_config,
    median_sample,
    report,
    scanner_config,
    tag_names,
)


def sample(seconds: float, requests: int, peak: float) -> ScanSample:
    return ScanSample(seconds, requests, peak, rss_before_mib=40, cpu_seconds=1.5, tags=100_000)


def test_the_scan_table_gives_each_measure_and_trueups_ratio_to_the_peer() -> None:
    scans = {"trueup": sample(4.0, 100, 90), "httpx": sample(8.0, 100, 45)}
    text = report(Results(100, 1000, 3, scans), {"CPU cores": "2"}, "python -m benchmarks.images")
    assert text.startswith(BEGIN)
    assert text.endswith(END)
    assert "Command: `python -m benchmarks.images`" in text
    assert "- CPU cores: 2" in text
    assert "**Scan: 100 repositories of 1,000 tags each** (medians of 3 runs" in text
    assert "| measure | trueup ImageScanner | httpx, sequential | ratio |" in text
    assert "| wall time of the scan, s | 4.00 | 8.00 | 0.50x |" in text
    assert "| HTTP requests the registry received | 100 | 100 | 1.00x |" in text
    assert "| peak resident memory, MiB | 90 | 45 | 2.00x |" in text
    assert "| tags read | 100,000 | 100,000 | 1.00x |" in text
    assert "Tag to running" not in text


def test_tag_to_running_is_reported_against_the_interval_plus_five_seconds() -> None:
    deploy = DeployResults(interval_s=10)
    deploy.latencies = {"interval": [6.0, 12.0, 16.5], "receiver": [1.5, 2.5]}
    scans = {"trueup": sample(1, 2, 3), "httpx": sample(1, 2, 3)}
    text = report(Results(2, 20, 1, scans, deploy), {}, "cmd")
    assert "aim: under the scan interval 10 s + 5 s = 15 s" in text
    assert "| scanned on its interval | 3 | 12.00 | 16.50 | 2 of 3 |" in text
    assert "| woken by the registry's Receiver | 2 | 1.50 | 2.50 | 2 of 2 |" in text


def test_medians_are_taken_per_measure() -> None:
    samples = [sample(3, 10, 50), sample(1, 12, 70), sample(2, 11, 60)]
    assert median_sample(samples) == ScanSample(2, 11, 60, 40, 1.5, 100_000)


def test_tags_are_distinct_semantic_versions() -> None:
    names = tag_names(1000)
    assert len(set(names)) == 1000
    assert names[:2] == ["1.0.0", "1.0.1"]
    assert names[-1] == "1.9.99"


def test_the_scanner_config_has_one_image_repository_per_repository() -> None:
    docs = list(yaml.safe_load_all(scanner_config("127.0.0.1:5000", 3)))
    assert [d["spec"]["image"] for d in docs] == [
        "127.0.0.1:5000/bench/app-000",
        "127.0.0.1:5000/bench/app-001",
        "127.0.0.1:5000/bench/app-002",
    ]
    assert {d["kind"] for d in docs} == {"ImageRepository"}


def test_the_deploy_config_wakes_only_the_receiver_image_by_notification(tmp_path: Path) -> None:
    docs = list(yaml.safe_load_all(deploy_config(tmp_path / "deploy.git", "127.0.0.1:5000", 7)))
    by_kind: dict[str, list[dict[str, Any]]] = {}
    for doc in docs:
        by_kind.setdefault(doc["kind"], []).append(doc)
    intervals = {d["metadata"]["name"]: d["spec"]["interval"] for d in by_kind["ImageRepository"]}
    assert intervals == {"interval": "7s", "receiver": "1h"}
    (receiver,) = by_kind["Receiver"]
    assert receiver["spec"] == {
        "type": "registry",
        "secretRef": {"name": "hook"},
        "imageRepositories": ["receiver"],
    }
    assert len(by_kind["App"]) == 2
    assert len(by_kind["ImageUpdate"]) == 1

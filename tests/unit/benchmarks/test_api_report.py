"""The API benchmark's configuration and report, without a cluster."""

from __future__ import annotations

from pathlib import Path

import yaml
from benchmarks.api import BEGIN, END, INTERVAL, Results, fleet_config, report
from benchmarks.daemon import Fleet


def test_every_app_of_the_fleet_gets_the_short_interval(tmp_path: Path) -> None:
    docs = list(yaml.safe_load_all(fleet_config(Fleet(tmp_path, apps=7, repos=3))))
    apps = [doc for doc in docs if doc["kind"] == "App"]
    assert len(apps) == 7
    assert {app["spec"]["interval"] for app in apps} == {INTERVAL}
    assert {doc["kind"] for doc in docs} == {"App", "GitSource", "Receiver", "Secret"}


def test_the_report_gives_throughput_per_minute_and_its_ratio_under_polling() -> None:
    results = Results(apps=1000, pollers=20, subscribers=100, window_s=30)
    results.alone_reconciles = 400
    results.polled_reconciles = 380
    results.api_latencies = [0.010, 0.020, 0.030, 0.040]
    results.stream_latencies = [0.005, 0.015]
    results.stream_events, results.stream_complete = 12, 99
    text = report(results, {"CPU": "2 cores"}, "python -m benchmarks.api")
    assert text.startswith(BEGIN)
    assert text.endswith(END)
    assert "| reconciles per minute, nobody calling the API | 800 |" in text
    assert "| 760 (0.95x) |" in text
    assert "| 12 (99 subscribers got every one) |" in text
    assert "- CPU: 2 cores" in text

"""The browser benchmark's report and configuration, without a cluster or a browser."""

from __future__ import annotations

from pathlib import Path

from benchmarks.dashboard import BEGIN, END, TOKEN_NAME, Burst, Fleet, Load, Results, report
from benchmarks.report import write_section


def load(usable: float, peer: float) -> Load:
    return Load(
        fcp_ms=100, usable_ms=usable, list_server_ms=50, heap_mib=4.25,
        longest_task_ms=40, peer_ms=peer,
    )  # fmt: skip


def results(*, usable: float = 500, frame: float = 30) -> Results:
    r = Results(apps=1000, loads=[load(usable, 200), load(9000, 250), load(usable - 100, 300)])
    r.burst = Burst(updates=1000, api_ms=2000, applied_ms=3000, longest_frame_ms=frame,
                    longest_task_ms=20, heap_mib=6.5)  # fmt: skip
    return r


def test_the_report_gives_medians_with_their_ratio_to_the_peer_and_the_aims() -> None:
    text = report(results(), {"CPU": "2 cores"}, "python -m benchmarks.dashboard")
    assert text.startswith(BEGIN)
    assert text.endswith(END)
    assert "Command: `python -m benchmarks.dashboard`" in text
    assert "- CPU: 2 cores" in text
    assert "medians of 3 loads" in text
    # Medians: usable 500 of (500, 9000, 400), peer 250 of (200, 250, 300).
    assert "input taken) | 500 ms | 250 ms | 2.00x |" in text
    assert "| JS heap in use after the load | 4.2 MiB | | |" in text
    assert "every App Suspended | 3,000 ms | 2,000 ms | 1.50x |" in text
    assert "| longest frame meanwhile | 30 ms | | |" in text
    assert "Aim, the overview usable in under one second: met." in text
    assert "Aim, no frame longer than 100 ms: met." in text


def test_an_aim_missed_is_said_in_bold() -> None:
    text = report(results(usable=1500, frame=250), {}, "python -m benchmarks.dashboard")
    assert "Aim, the overview usable in under one second: **not met**." in text
    assert "Aim, no frame longer than 100 ms: **not met**." in text


def test_without_a_burst_the_report_has_the_loads_only() -> None:
    r = Results(apps=10, loads=[load(300, 100)])
    text = report(r, {}, "python -m benchmarks.dashboard --apps 10")
    assert "| app list usable" in text
    assert "status updates" not in text


def test_its_section_replaces_only_its_own_part_of_the_document(tmp_path: Path) -> None:
    doc = tmp_path / "benchmarks.md"
    doc.write_text(f"# Benchmarks\n\nkept\n\n{BEGIN}\nold\n{END}\n\nalso kept\n")
    write_section(doc, report(results(), {}, "cmd"), begin=BEGIN, end=END)
    text = doc.read_text()
    assert "old" not in text
    assert text.startswith("# Benchmarks\n\nkept\n\n" + BEGIN)
    assert text.endswith(END + "\n\nalso kept\n")


def test_the_fleet_config_has_an_operator_token_and_every_app_on_one_hour(
    tmp_path: Path,
) -> None:
    fleet = Fleet(tmp_path, apps=5, repos=2, token="t0ken", prefix="dash")
    docs = fleet.documents()
    apps = [d for d in docs if d["kind"] == "App"]
    assert len(apps) == 5
    assert {a["spec"]["interval"] for a in apps} == {"1h"}
    assert {a["spec"]["namespace"] for a in apps} == {"dash-0", "dash-1"}
    token = next(d for d in docs if d["kind"] == "ApiToken")
    assert token["metadata"]["name"] == TOKEN_NAME
    assert token["spec"]["role"] == "operator"
    secret = next(d for d in docs if d["metadata"]["name"] == token["spec"]["secretRef"]["name"])
    assert secret["stringData"] == {"token": "t0ken"}


def test_no_long_task_seen_is_reported_as_none_rather_than_zero() -> None:
    r = results()
    assert r.burst is not None
    r.burst = Burst(updates=1000, api_ms=2000, applied_ms=3000, longest_frame_ms=30,
                    longest_task_ms=0, heap_mib=6.5)  # fmt: skip

    text = report(r, {"CPU": "2 cores"}, "python -m benchmarks.dashboard")

    assert "| longest task meanwhile | none of 50 ms or more | | |" in text
    assert "| longest task of the load | 40 ms | | |" in text

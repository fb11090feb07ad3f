"""The start-up benchmark's harness, run once per command: no timing is asserted.

It needs kubectl on the path (the peer), but no cluster and no Git repository.
"""

from __future__ import annotations

from pathlib import Path

from benchmarks.measure import Sample
from benchmarks.startup import (
    BEGIN,
    COLUMNS,
    END,
    PEER,
    Row,
    markdown_table,
    run,
    section,
    write,
)


def test_one_run_of_each_command_gives_a_row_for_each_beside_kubectl(tmp_path: Path) -> None:
    rows = run(tmp_path, repeat=1)

    names = [row.command for row in rows]
    assert names == [
        "python -c pass",
        PEER,
        "trueup --version",
        "trueup --help",
        "trueup status (10 Apps)",
    ]
    assert all(len(row.samples) == 1 for row in rows)
    lines = markdown_table(rows).splitlines()
    assert lines[0] == "| " + " | ".join(COLUMNS) + " |"
    assert [line.split(" | ")[0] for line in lines[2:]] == [f"| `{name}`" for name in names]
    peer_line = next(line for line in lines if PEER in line)
    assert peer_line.split(" | ")[3] == "1.00"


def test_the_status_command_lists_every_app_of_the_generated_configuration(
    tmp_path: Path,
) -> None:
    run(tmp_path, repeat=1)

    output = (tmp_path / "logs" / "4-0.log").read_text()
    for n in range(10):
        assert f"app-{n} " in output
    assert "Suspended" in output
    assert "Invalid" in output
    assert "OutOfSync" in output


def test_writing_adds_a_start_up_section_once_and_keeps_the_rest(tmp_path: Path) -> None:
    page = tmp_path / "benchmarks.md"
    page.write_text("# Benchmarks\n\nhand-written\n\n<!-- benchmarks.sync: begin -->\nx\n")
    rows = [Row(PEER, (Sample(0.1, 40.0),)), Row("trueup --help", (Sample(0.2, 40.0),))]

    write(page, section(rows, {"date": "first"}, "python -m benchmarks.startup", 1))
    write(page, section(rows, {"date": "second"}, "python -m benchmarks.startup", 1))

    text = page.read_text()
    assert text.startswith("# Benchmarks\n\nhand-written\n\n<!-- benchmarks.sync: begin -->\nx\n")
    assert text.count("## Start-up") == 1
    assert text.count(BEGIN) == 1
    assert text.count(END) == 1
    assert "- date: second" in text
    assert "- date: first" not in text

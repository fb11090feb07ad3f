"""How fast ``trueup`` starts, beside ``kubectl version --client`` run in the same invocation.

Run it as ``.venv/bin/python -m benchmarks.startup [--repeat 10] [--output docs/benchmarks.md]``.
Each command runs as a new process, exactly as a user types it, ``repeat`` times; the rounds
go through the commands in turn, so that a burst of load on the machine hits all of them:

- ``python -c pass``: the floor, a bare interpreter (the one trueup runs on);
- ``kubectl version --client``: the peer, a command-line tool that starts as such tools do;
- ``trueup --version`` and ``trueup --help``;
- ``trueup status`` on a configuration of ten Apps (eight with three recorded attempts and a
  comparison each, one suspended, one refused for a source that does not exist), with a
  store written through trueup's own store API: no cluster and no Git repository are
  needed, and ``status`` reads exactly what it reads after real syncs.

One untimed run of every command comes first: it writes Python's bytecode caches (which
``PYTHONDONTWRITEBYTECODE`` would otherwise keep from being written; it is removed from the
children's environment) and warms the file cache, as any command a user runs twice finds it.
The table reports the median and the fastest run of each, the median's ratio to kubectl's,
and the median CPU time. Peak memory is left out: Linux carries a process's peak over
``exec`` from the harness that forked it, which hides the size of a small command.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from benchmarks.measure import Sample, run_measured
from benchmarks.report import machine_facts, source_commit, write_section
from benchmarks.sync import trueup_command
from trueup.failure import Reason
from trueup.store import Attempt, AttemptResult, Confirmation, SqliteStore

BEGIN = "<!-- benchmarks.startup: begin -->"
END = "<!-- benchmarks.startup: end -->"
HEADING = "## Start-up"
PEER = "kubectl version --client"
COLUMNS = ("command", "median s", "min s", "ratio to kubectl", "CPU s")
APPS = 10
ATTEMPTS = 3
TARGET = "bench@https://127.0.0.1:6443"


@dataclass(frozen=True, slots=True)
class Row:
    """Every run of one command."""

    command: str
    samples: tuple[Sample, ...]

    @property
    def median(self) -> float:
        """Median wall seconds."""
        return statistics.median(s.seconds for s in self.samples)

    @property
    def fastest(self) -> float:
        """The fastest run's wall seconds: the least disturbed by other work on the machine."""
        return min(s.seconds for s in self.samples)

    @property
    def cpu(self) -> float:
        """Median CPU seconds (user + system) of the process."""
        return statistics.median(s.cpu_seconds for s in self.samples)


def config_text() -> str:
    """Ten Apps on one GitSource: eight plain, one suspended, one naming a missing source."""
    docs = [
        "apiVersion: trueup.dev/v1alpha1\nkind: GitSource\nmetadata: {name: deploy}\n"
        "spec:\n  url: https://git.example.test/org/deploy.git\n  ref: {branch: main}\n"
    ]
    for n in range(APPS):
        source = "missing" if n == APPS - 1 else "deploy"
        suspend = "  suspend: true\n" if n == APPS - 2 else ""
        docs.append(
            f"apiVersion: trueup.dev/v1alpha1\nkind: App\nmetadata: {{name: app-{n}}}\n"
            f"spec:\n  source: {source}\n  path: apps/app-{n}\n  namespace: app-{n}\n{suspend}"
        )
    return "---\n".join(docs)


async def write_store(path: Path) -> None:
    """Three attempts of each plain App (the last one of every third App failed), and a
    comparison with the target after them, through trueup's own store API."""
    store = await SqliteStore.open(path)
    try:
        start = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
        for n in range(APPS - 2):
            app = f"app-{n}"
            for k in range(ATTEMPTS):
                started = start + timedelta(minutes=10 * k + n)
                failed = k == ATTEMPTS - 1 and n % 3 == 0
                await store.record_attempt(
                    Attempt(
                        app=app,
                        started_at=started,
                        finished_at=started + timedelta(seconds=4),
                        revision=f"main@sha1:{k:040x}",
                        trigger="cli:bench",
                        result=AttemptResult.FAILED if failed else AttemptResult.SUCCEEDED,
                        plan_summary="12 unchanged",
                        health="Progressing" if failed else "Healthy",
                        duration_s=4.0,
                        error=f"timed out after 30s waiting for Deployment/{app}/web"
                        if failed
                        else "",
                        reason=Reason.TIMEOUT if failed else None,
                        target=TARGET,
                    )
                )
            confirmed = start + timedelta(minutes=10 * ATTEMPTS + n)
            revision = f"main@sha1:{ATTEMPTS - 1:040x}"
            await store.record_confirmation(
                Confirmation(app, TARGET, confirmed, revision, n % 3 != 0, "Healthy")
            )
    finally:
        await store.close()


def commands(config: Path, store: Path) -> dict[str, list[str]]:
    """Each measured command by the name the table shows, floor and peer first."""
    trueup = trueup_command()
    return {
        "python -c pass": [sys.executable, "-c", "pass"],
        PEER: ["kubectl", "version", "--client"],
        "trueup --version": [*trueup, "--version"],
        "trueup --help": [*trueup, "--help"],
        f"trueup status ({APPS} Apps)": [
            *trueup,
            f"--config={config}",
            f"--store={store}",
            "status",
        ],
    }


def measure(argvs: dict[str, list[str]], workdir: Path, repeat: int) -> list[Row]:
    """One untimed run of each command, then ``repeat`` rounds through all of them."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    logs = workdir / "logs"
    for n, argv in enumerate(argvs.values()):
        run_measured(argv, log=logs / f"warm-{n}.log", env=env, timeout=120)
    samples: dict[str, list[Sample]] = {name: [] for name in argvs}
    for r in range(repeat):
        for n, (name, argv) in enumerate(argvs.items()):
            log = logs / f"{n}-{r}.log"
            samples[name].append(run_measured(argv, log=log, env=env, timeout=120))
    return [Row(name, tuple(runs)) for name, runs in samples.items()]


def markdown_table(rows: Sequence[Row]) -> str:
    """One row per command, in the order given; the ratio is over kubectl's median."""
    peer = next(row.median for row in rows if row.command == PEER)
    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    for row in rows:
        cells = (
            f"`{row.command}`",
            f"{row.median:.3f}",
            f"{row.fastest:.3f}",
            f"{row.median / peer:.2f}",
            f"{row.cpu:.3f}",
        )
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def facts() -> dict[str, str]:
    """The machine facts of :func:`benchmarks.report.machine_facts`, without a cluster."""
    found = machine_facts(Path(os.devnull))  # no kubeconfig: kubectl reports its client only
    found.pop("API server (dev-cluster)", None)
    return found


def section(rows: Sequence[Row], found: dict[str, str], command: str, repeat: int) -> str:
    """The generated part of the Start-up section: how it was run, the facts, the table."""
    lines = [BEGIN, "", f"Command: `{command}`", ""]
    lines += [f"- {name}: {value}" for name, value in found.items()]
    lines += [f"- runs per command: {repeat}, after one untimed run of each", ""]
    lines += [markdown_table(rows), "", END]
    return "\n".join(lines)


def write(path: Path, text: str) -> None:
    """Replace the generated part of ``path``; add a Start-up section if it has none yet."""
    current = path.read_text() if path.exists() else ""
    if BEGIN in current and END in current:
        write_section(path, text, begin=BEGIN, end=END)
    else:
        path.write_text(current.rstrip("\n") + f"\n\n{HEADING}\n\n{text}\n")


def run(workdir: Path, repeat: int) -> list[Row]:
    """Write the configuration and the store into ``workdir``, then measure every command."""
    workdir.mkdir(parents=True, exist_ok=True)
    config, store = workdir / "trueup.yaml", workdir / "trueup.db"
    config.write_text(config_text())
    asyncio.run(write_store(store))
    return measure(commands(config, store), workdir, max(1, repeat))


def main(argv: Sequence[str] | None = None) -> None:
    """Parse the options, measure, print the table and write it when asked."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.startup", description=__doc__)
    parser.add_argument("--repeat", type=int, default=10, help="Timed runs per command.")
    parser.add_argument("--output", type=Path, help="Markdown file to write the results into.")
    parser.add_argument("--keep", action="store_true", help="Keep the work directory (logs).")
    args = parser.parse_args(argv)
    workdir = Path(tempfile.mkdtemp(prefix="trueup-startup-"))
    try:
        found = facts()
        rows = run(workdir, args.repeat)
        if (now := source_commit()) != found["trueup commit"]:
            found["trueup commit"] += f", then {now} by the end of the run"
    finally:
        if args.keep:
            print(f"logs kept in {workdir}", file=sys.stderr)
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    print(markdown_table(rows))
    if args.output:
        command = "python -m benchmarks.startup " + " ".join(argv or sys.argv[1:])
        write(args.output, section(rows, found, command.strip(), max(1, args.repeat)))
        print(f"wrote {args.output}", file=sys.stderr)


if __name__ == "__main__":
    main()

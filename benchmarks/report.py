"""The benchmark's results as a markdown table, with the facts of the machine it ran on.

``docs/benchmarks.md`` holds more than the table (method, profile, proposals): only the part
between :data:`BEGIN` and :data:`END` is replaced, so a re-run keeps the hand-written rest.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import trueup
from benchmarks.measure import Sample

BEGIN = "<!-- benchmarks.sync: begin -->"
END = "<!-- benchmarks.sync: end -->"
LABELS = {
    "trueup": "trueup",
    "go": "Go client-go",
    "go-apply": "Go, apply only",
    "kubectl": "kubectl",
    "kubectl-novalidate": "kubectl --validate=false",
}
"""The measured tools by name, as the table heads them (see :mod:`benchmarks.sync`)."""


@dataclass(frozen=True, slots=True)
class Result:
    """The medians of one size and phase for each tool run, and what trueup reported doing."""

    size: int
    phase: str
    samples: Mapping[str, Sample]
    """Tool name (a key of :data:`LABELS`) → its median; ``trueup`` is always there."""
    summaries: tuple[str, ...] = ()
    """trueup's change summary of each repeat, as recorded in its history."""

    @property
    def trueup(self) -> Sample:
        """trueup's median."""
        return self.samples["trueup"]

    def ratio(self, peer: str) -> float:
        """trueup's wall time over ``peer``'s, who must have run: below 1, trueup was faster."""
        return self.trueup.seconds / self.samples[peer].seconds


def columns(peers: Sequence[str]) -> tuple[str, ...]:
    """The table's heads: trueup, then each peer's time and trueup's ratio to it."""
    compared = [head for peer in peers for head in (f"{LABELS[peer]} s", "ratio")]
    return ("objects", "phase", "trueup s", *compared, "trueup peak MiB")


def markdown_table(results: Sequence[Result], peers: Sequence[str]) -> str:
    """One row per size and phase, in the order given; a peer not run in a phase shows n/a."""
    heads = columns(peers)
    lines = ["| " + " | ".join(heads) + " |", "|" + "---|" * len(heads)]
    for r in results:
        cells = [f"{r.size:,}", r.phase, f"{r.trueup.seconds:.2f}"]
        for peer in peers:
            sample = r.samples.get(peer)
            if sample is None:
                cells += ["n/a", "n/a"]
            else:
                cells += [f"{sample.seconds:.2f}", f"{r.ratio(peer):.2f}"]
        cells.append(f"{r.trueup.peak_mib:.0f}")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _command(*argv: str, cwd: Path | None = None) -> str:
    try:
        done = subprocess.run(
            argv, cwd=cwd, capture_output=True, text=True, timeout=30, check=False
        )
    except OSError:
        return ""
    return done.stdout.strip()


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def source_commit() -> str:
    """The commit of the trueup sources being measured (those ``import trueup`` finds).

    Measured is whatever that tree holds, so uncommitted changes under ``src/`` are flagged;
    run from a clean checkout of one commit (``PYTHONPATH=<checkout>/src``) for results that
    belong to that commit.
    """
    tree = Path(trueup.__file__).resolve().parents[2]
    commit = _command("git", "rev-parse", "--short", "HEAD", cwd=tree) or "unknown"
    status = ("git", "status", "--porcelain", "--untracked-files=no", "--", "src")
    if _command(*status, cwd=tree):
        commit += " with uncommitted changes under src/"
    return commit


def machine_facts(kubeconfig: Path) -> dict[str, str]:
    """Cores, CPU, Python, kubectl and server versions, trueup's commit, date and load."""
    versions: dict[str, dict[str, str]] = {}
    raw = _command("kubectl", f"--kubeconfig={kubeconfig}", "version", "-o", "json")
    try:
        versions = json.loads(raw[raw.index("{") :]) if "{" in raw else {}
    except ValueError:
        versions = {}
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "trueup commit": source_commit(),
        "CPU": f"{os.cpu_count()} cores, {_cpu_model()}",
        "load average at start": load,
        "Python": platform.python_version(),
        "kubectl": versions.get("clientVersion", {}).get("gitVersion", "unknown"),
        "API server (dev-cluster)": versions.get("serverVersion", {}).get("gitVersion", "unknown"),
    }


def section(
    results: Sequence[Result], peers: Sequence[str], facts: dict[str, str], command: str
) -> str:
    """The generated part of the report: how it was run, the facts, the table, the summaries."""
    lines = [BEGIN, "", f"Command: `{command}`", ""]
    lines += [f"- {name}: {value}" for name, value in facts.items()]
    lines += ["", markdown_table(results, peers), ""]
    lines.append("CPU seconds (user + system) and peak resident memory (medians) of each")
    lines.append("process, and what trueup recorded for each repeat (`trueup history`):")
    lines.append("")
    for r in results:
        costs = ", ".join(
            f"{LABELS[tool]} {sample.cpu_seconds:.2f} s CPU {sample.peak_mib:.0f} MiB"
            for tool, sample in r.samples.items()
        )
        lines.append(f"- {r.size:,} {r.phase}: {costs}; " + "; ".join(r.summaries))
    lines += ["", END]
    return "\n".join(lines)


def write_section(path: Path, text: str, *, begin: str = BEGIN, end: str = END) -> None:
    """Put ``text`` (which carries the markers) between the markers of ``path``.

    ``begin`` and ``end`` are this benchmark's markers unless another benchmark names its own.
    A page without them gets ``text`` appended, so a hand-written page is never lost; a
    missing page is made with a title.
    """
    current = path.read_text() if path.exists() else ""
    if begin in current and end in current:
        head, _, rest = current.partition(begin)
        _, _, tail = rest.partition(end)
        path.write_text(head + text + tail)
    elif current:
        path.write_text(current.rstrip("\n") + f"\n\n{text}\n")
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"# Benchmarks\n\n{text}\n")

"""The benchmark's results as a markdown table, with the facts of the machine it ran on.

``docs/benchmarks.md`` holds more than the table (method, profile, proposals): only the part
between :data:`BEGIN` and :data:`END` is replaced, so a re-run keeps the hand-written rest.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import trueup
from benchmarks.measure import Sample

BEGIN = "<!-- benchmarks.sync: begin -->"
END = "<!-- benchmarks.sync: end -->"
COLUMNS = (
    "objects",
    "phase",
    "trueup s",
    "kubectl s",
    "ratio",
    "kubectl --validate=false s",
    "ratio",
    "trueup peak MiB",
    "kubectl peak MiB",
)


@dataclass(frozen=True, slots=True)
class Result:
    """The medians of one size and phase for both tools, and what trueup reported doing."""

    size: int
    phase: str
    trueup: Sample
    kubectl: Sample
    kubectl_novalidate: Sample
    """kubectl with ``--validate=false``: without its per-object OpenAPI work."""
    summaries: tuple[str, ...] = ()
    """trueup's change summary of each repeat, as recorded in its history."""

    @property
    def ratio(self) -> float:
        """trueup's wall time over kubectl's: below 1 means trueup was faster."""
        return self.trueup.seconds / self.kubectl.seconds

    @property
    def ratio_novalidate(self) -> float:
        """trueup's wall time over that of kubectl with ``--validate=false``."""
        return self.trueup.seconds / self.kubectl_novalidate.seconds


def markdown_table(results: Sequence[Result]) -> str:
    """One row per size and phase, in the order given."""
    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    for r in results:
        cells = (
            f"{r.size:,}",
            r.phase,
            f"{r.trueup.seconds:.2f}",
            f"{r.kubectl.seconds:.2f}",
            f"{r.ratio:.2f}",
            f"{r.kubectl_novalidate.seconds:.2f}",
            f"{r.ratio_novalidate:.2f}",
            f"{r.trueup.peak_mib:.0f}",
            f"{r.kubectl.peak_mib:.0f}",
        )
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


def section(results: Sequence[Result], facts: dict[str, str], command: str) -> str:
    """The generated part of the report: how it was run, the facts, the table, the summaries."""
    lines = [BEGIN, "", f"Command: `{command}`", ""]
    lines += [f"- {name}: {value}" for name, value in facts.items()]
    lines += ["", markdown_table(results), ""]
    lines.append("CPU seconds (user + system, median) of each process, and what trueup recorded")
    lines.append("for each repeat (`trueup history`):")
    lines.append("")
    for r in results:
        cpu = (
            f"trueup {r.trueup.cpu_seconds:.2f} s, kubectl {r.kubectl.cpu_seconds:.2f} s, "
            f"kubectl --validate=false {r.kubectl_novalidate.cpu_seconds:.2f} s CPU"
        )
        lines.append(f"- {r.size:,} {r.phase}: {cpu}; " + "; ".join(r.summaries))
    lines += ["", END]
    return "\n".join(lines)


def write_section(path: Path, text: str, *, begin: str = BEGIN, end: str = END) -> None:
    """Put ``text`` between the markers of ``path`` (the whole file if it has none).

    ``begin`` and ``end`` are this benchmark's markers unless another benchmark names its own.
    """
    current = path.read_text() if path.exists() else ""
    if begin in current and end in current:
        head, _, rest = current.partition(begin)
        _, _, tail = rest.partition(end)
        path.write_text(head + text + tail)
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"# Benchmarks\n\n{text}\n")

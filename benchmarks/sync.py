"""``trueup sync`` beside ``kubectl apply --server-side`` of the same objects, cold and warm.

Run it as ``.venv/bin/python -m benchmarks.sync [--sizes 100,1000,5000] [--repeat 3]
[--output docs/benchmarks.md]``. It starts a dev-cluster of its own in a temporary
directory (and stops it), and for each size makes a Git repository holding one app of that
many objects (see :mod:`benchmarks.workload`). Each repeat then, in fresh namespaces:

- **cold**: ``trueup sync`` of the app (a new process, as a user runs it, with its own
  history database) and ``kubectl apply --server-side`` of the app's folder: all objects new;
- **warm**: both again with nothing changed.

Which tool goes first rotates between repeats. kubectl runs twice, as users run it and
with ``--validate=false``: kubectl's default validation re-reads the server's OpenAPI
document for every object (kubernetes/kubernetes#127095), which dominates its time.
Between the phases the Deployments are waited for, so the warm runs meet a settled
cluster. Untimed before each size: one ``trueup build`` fills trueup's Git cache (so the
timed runs fetch no objects, like any sync after the first) and checks the render;
kubectl's discovery cache is filled once.
The table reports medians: wall time from process start to exit and peak resident memory.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import sys
import tempfile
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks.measure import Sample, median, run_measured
from benchmarks.report import (
    Result,
    machine_facts,
    markdown_table,
    section,
    source_commit,
    write_section,
)
from benchmarks.workload import APP_PATH, make_repository
from trueup.devcluster import DevCluster

Progress = Callable[[str], None]
TOOLS = ("trueup", "kubectl", "kubectl-novalidate")
"""The measured commands; ``kubectl-novalidate`` adds ``--validate=false`` (see the docs)."""
_SHORT = {"trueup": "t", "kubectl": "k", "kubectl-novalidate": "n"}


def trueup_command() -> list[str]:
    """The ``trueup`` script installed beside this Python, else ``python -m trueup``."""
    script = Path(sys.executable).with_name("trueup")
    return [str(script)] if script.exists() else [sys.executable, "-m", "trueup"]


@dataclass
class Bench:
    """One benchmark session against the cluster of ``kubeconfig``, working in ``workdir``."""

    kubeconfig: Path
    workdir: Path
    progress: Progress = lambda _message: None
    token: str = field(default_factory=lambda: uuid.uuid4().hex[:6])
    namespaces: dict[tuple[int, str, int], str] = field(default_factory=dict)
    """(size, tool, repeat) → the namespace that run applied to."""

    def kubectl(self, *args: str) -> list[str]:
        """A kubectl command line for the cluster, with a discovery cache of its own."""
        cache = self.workdir / "kube-cache"
        return ["kubectl", f"--kubeconfig={self.kubeconfig}", f"--cache-dir={cache}", *args]

    def untimed(self, argv: Sequence[str], log: str) -> Path:
        """Run a preparation step; its output is in the returned log file."""
        path = self.workdir / "logs" / log
        run_measured(argv, log=path, env=self.env)
        return path

    @property
    def env(self) -> dict[str, str]:
        """trueup's Git cache lives in the work directory, not in the user's cache."""
        return {**os.environ, "TRUEUP_CACHE_DIR": str(self.workdir / "cache")}

    def run(self, sizes: Sequence[int], repeat: int) -> list[Result]:
        """Cold and warm results for every size, in that order."""
        results: list[Result] = []
        for size in sizes:
            results += self.run_size(size, repeat)
        return results

    def run_size(self, size: int, repeat: int) -> list[Result]:
        """``repeat`` cold and warm runs of an app of ``size`` objects."""
        root = self.workdir / f"size-{size}"
        self.progress(f"{size} objects: making the repository")
        repository = make_repository(root / "repo", size)
        config, store = root / "trueup.yaml", root / "trueup.db"
        apps = [f"bench-{size}-{r}" for r in range(repeat)]
        for r in range(repeat):
            for tool in TOOLS:
                self.namespaces[(size, tool, r)] = f"b{self.token}-{_SHORT[tool]}-{size}-{r}"
        config.write_text(self.config(repository.url, size, repeat))
        trueup = [*trueup_command(), f"--config={config}", f"--store={store}"]
        trueup.append(f"--kubeconfig={self.kubeconfig}")
        for (s, _tool, _r), namespace in self.namespaces.items():
            if s == size:
                self.untimed(self.kubectl("create", "namespace", namespace), f"ns-{namespace}.log")
        built = self.untimed([*trueup, "build", apps[0], "-o", "json"], f"build-{size}.log")
        if (count := len(json.loads(built.read_text()))) != size:
            raise RuntimeError(f"trueup build rendered {count} objects, expected {size}")

        samples: dict[tuple[str, str], list[Sample]] = {}
        summaries: dict[str, list[str]] = {"cold": [], "warm": []}
        for r in range(repeat):
            for phase in ("cold", "warm"):
                self.progress(f"{size} objects: repeat {r + 1}/{repeat}, {phase}")
                order = TOOLS[r % 3 :] + TOOLS[: r % 3]
                for tool in order:
                    namespace = self.namespaces[(size, tool, r)]
                    log = self.workdir / "logs" / f"{tool}-{size}-{r}-{phase}.log"
                    if tool == "trueup":
                        argv = [*trueup, "sync", apps[r]]
                    else:
                        argv = self.kubectl(
                            "apply", "--server-side", "--field-manager=bench",
                            f"--namespace={namespace}", f"--filename={repository.manifests}",
                        )  # fmt: skip
                        if tool == "kubectl-novalidate":
                            argv.append("--validate=false")
                    sample = run_measured(argv, log=log, env=self.env)
                    samples.setdefault((tool, phase), []).append(sample)
                summaries[phase].append(self.recorded(trueup, apps[r]))
                if phase == "cold":
                    self.settle(size, r)
        return [
            Result(
                size=size,
                phase=phase,
                trueup=median(samples[("trueup", phase)]),
                kubectl=median(samples[("kubectl", phase)]),
                kubectl_novalidate=median(samples[("kubectl-novalidate", phase)]),
                summaries=tuple(summaries[phase]),
            )
            for phase in ("cold", "warm")
        ]

    def config(self, url: str, size: int, repeat: int) -> str:
        """A GitSource and one App per repeat, each App in its own namespace."""
        docs = [
            "apiVersion: trueup.dev/v1alpha1\nkind: GitSource\nmetadata: {name: bench}\n"
            f"spec:\n  url: {url}\n  ref: {{branch: main}}\n"
        ]
        for r in range(repeat):
            docs.append(
                "apiVersion: trueup.dev/v1alpha1\nkind: App\n"
                f"metadata: {{name: bench-{size}-{r}}}\n"
                f"spec:\n  source: bench\n  path: {APP_PATH}\n"
                f"  namespace: {self.namespaces[(size, 'trueup', r)]}\n"
                "  prune: true\n  wait: false\n"
            )
        return "---\n".join(docs)

    def recorded(self, trueup: list[str], app: str) -> str:
        """The change summary of the app's last attempt, from trueup's history."""
        log = self.untimed([*trueup, "history", app, "--limit=1", "-o", "json"], f"h-{app}.log")
        last = json.loads(log.read_text())[0]
        if last["result"] != "succeeded":
            raise RuntimeError(f"trueup sync {app} recorded {last['result']}: {last['error']}")
        return str(last["summary"])

    def settle(self, size: int, repeat: int) -> None:
        """Wait until the Deployments of both tools' namespaces are available."""
        for tool in TOOLS:
            namespace = self.namespaces[(size, tool, repeat)]
            wait = ("wait", "--for=condition=Available", "deployment", "--all", "--timeout=300s")
            self.untimed(self.kubectl(*wait, f"--namespace={namespace}"), f"wait-{namespace}.log")

    def delete_namespaces(self) -> None:
        """Delete every namespace this session made, without waiting for them to go."""
        names = sorted(set(self.namespaces.values()))
        if names:
            delete = self.kubectl("delete", "namespace", "--wait=false", *names)
            self.untimed(delete, "delete-namespaces.log")


def main(argv: Sequence[str] | None = None) -> None:
    """Parse the options, run the benchmark on a dev-cluster of its own, print and write it."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.sync", description=__doc__)
    parser.add_argument("--sizes", default="100,1000,5000", help="Object counts, comma separated.")
    parser.add_argument("--repeat", type=int, default=3, help="Runs per size and phase.")
    parser.add_argument("--output", type=Path, help="Markdown file to write the results into.")
    parser.add_argument("--keep", action="store_true", help="Keep the work directory (logs).")
    args = parser.parse_args(argv)
    sizes = [int(size) for size in args.sizes.split(",")]

    def progress(message: str) -> None:
        print(f"• {message}", file=sys.stderr, flush=True)

    # A plain ``kill`` must still stop the cluster: exit through the ``finally`` below.
    signal.signal(signal.SIGTERM, lambda _signal, _frame: sys.exit(143))
    workdir = Path(tempfile.mkdtemp(prefix="trueup-bench-"))
    cluster = DevCluster(workdir / "cluster")
    try:
        cluster.up(progress)
        facts = machine_facts(cluster.kubeconfig)
        results = Bench(cluster.kubeconfig, workdir, progress).run(sizes, max(1, args.repeat))
        if (now := source_commit()) != facts["trueup commit"]:
            facts["trueup commit"] += f", then {now} by the end of the run"
    finally:
        cluster.down(progress)
        if args.keep:
            progress(f"logs kept in {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    print(markdown_table(results))
    if args.output:
        command = "python -m benchmarks.sync " + " ".join(argv or sys.argv[1:])
        write_section(args.output, section(results, facts, command.strip()))
        progress(f"wrote {args.output}")


if __name__ == "__main__":
    main()

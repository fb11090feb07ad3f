"""``trueup sync`` beside peers that apply the same objects, cold and warm.

Run it as ``.venv/bin/python -m benchmarks.sync [--sizes 100,1000,5000] [--repeat 3]
[--peers go,kubectl,kubectl-novalidate] [--output docs/benchmarks.md]``. It starts a
dev-cluster of its own in a temporary directory (and stops it), and for each size makes a
Git repository holding one app of that many objects (see :mod:`benchmarks.workload`). Each
repeat then, every tool in fresh namespaces of its own:

- **cold**: ``trueup sync`` of the app (a new process, as a user runs it, with its own
  history database) and each peer on the app's folder: all objects new;
- **warm**: trueup and the kubectl peers again with nothing changed.

The peers:

- ``go``: ``benchmarks/go/ssapply``, a small client-go program (HTTP/2, no client-side rate
  limit) that does what trueup does for new objects: a server dry-run of every object, then
  the applies, at trueup's concurrency. It also runs as ``go-apply``, the applies alone.
  Both run cold only: they have no notion of unchanged objects, so a warm run would only
  repeat the cold one. The binary is built with Go on first use and cached.
- ``kubectl``: ``kubectl apply --server-side`` as users run it, and ``kubectl-novalidate``
  with ``--validate=false``: kubectl's default validation re-reads the server's OpenAPI
  document for every object (kubernetes/kubernetes#127095), which dominates its time.

Which tool goes first rotates between repeats. Between the phases the Deployments are
waited for, so the warm runs meet a settled cluster. Untimed before each size: one
``trueup build`` fills trueup's Git cache (so the timed runs fetch no objects, like any
sync after the first) and checks the render; kubectl's discovery cache is filled once.
The table reports medians: wall time from process start to exit and peak resident memory.
"""

from __future__ import annotations

import argparse
import functools
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
from benchmarks.workload import APP_PATH, make_repository, mix
from trueup.apply.model import ApplyOptions
from trueup.devcluster import DEFAULT_NODES, DevCluster, ensure_binary

Progress = Callable[[str], None]
PEERS = ("go", "kubectl", "kubectl-novalidate")
"""The peers ``--peers`` may name; ``go`` also runs as ``go-apply`` (see above)."""
GO = ("go", "go-apply")
"""The Go peer's two runs: with the dry-runs first, and the applies alone."""
COLD_ONLY = GO
"""Tools without a warm phase: the Go program has no notion of an unchanged object."""
_SHORT = {"trueup": "t", "go": "g", "go-apply": "a", "kubectl": "k", "kubectl-novalidate": "n"}
SSAPPLY = Path(__file__).parent / "go" / "ssapply"
"""The Go peer's module."""


PODS_PER_NODE = 200
"""Pods the harness plans for one fake node: below the 250 a dev-cluster node allows, so
that the scheduler never has to fill a node to the last pod."""


def nodes_for(sizes: Sequence[int], repeat: int, tools: Sequence[str]) -> int:
    """Fake nodes enough for every one-replica Deployment the run creates, kept until the end."""
    pods = sum(mix(size).get("Deployment", 0) for size in sizes) * repeat * len(tools)
    return max(DEFAULT_NODES, -(-pods // PODS_PER_NODE))


def tools_of(peers: Sequence[str]) -> tuple[str, ...]:
    """trueup and the peers asked for, ``go`` followed by ``go-apply``, in :data:`PEERS` order."""
    unknown = sorted(set(peers) - set(PEERS))
    if unknown:
        raise ValueError(f"unknown peers {', '.join(unknown)}: choose from {', '.join(PEERS)}")
    chosen = [peer for peer in PEERS if peer in peers]
    return (
        "trueup",
        *(t for peer in chosen for t in ((peer, "go-apply") if peer == "go" else (peer,))),
    )


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
    peers: Sequence[str] = PEERS
    """Which of :data:`PEERS` run beside trueup."""
    token: str = field(default_factory=lambda: uuid.uuid4().hex[:6])
    namespaces: dict[tuple[int, str, int], str] = field(default_factory=dict)
    """(size, tool, repeat) → the namespace that run applied to."""

    @property
    def tools(self) -> tuple[str, ...]:
        """trueup and the peers, as measured (see :func:`tools_of`)."""
        return tools_of(self.peers)

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
            for tool in self.tools:
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
                tools = [t for t in self.tools if phase == "cold" or t not in COLD_ONLY]
                for tool in tools[r % len(tools) :] + tools[: r % len(tools)]:
                    namespace = self.namespaces[(size, tool, r)]
                    log = self.workdir / "logs" / f"{tool}-{size}-{r}-{phase}.log"
                    if tool == "trueup":
                        argv = [*trueup, "sync", apps[r]]
                    else:
                        argv = self.peer(tool, namespace, repository.manifests)
                    sample = run_measured(argv, log=log, env=self.env)
                    samples.setdefault((tool, phase), []).append(sample)
                summaries[phase].append(self.recorded(trueup, apps[r]))
                if phase == "cold":
                    self.settle(size, r)
        return [
            Result(
                size=size,
                phase=phase,
                samples={
                    tool: median(samples[(tool, phase)])
                    for tool in self.tools
                    if (tool, phase) in samples
                },
                summaries=tuple(summaries[phase]),
            )
            for phase in ("cold", "warm")
        ]

    def peer(self, tool: str, namespace: str, manifests: Path) -> list[str]:
        """The command line of one peer applying the folder ``manifests`` into ``namespace``."""
        if tool in GO:
            return [
                str(self.ssapply),
                f"--kubeconfig={self.kubeconfig}",
                f"--namespace={namespace}",
                f"--concurrency={ApplyOptions().concurrency}",
                f"--dry-run-first={'true' if tool == 'go' else 'false'}",
                str(manifests),
            ]
        argv = self.kubectl(
            "apply", "--server-side", "--field-manager=bench",
            f"--namespace={namespace}", f"--filename={manifests}",
        )  # fmt: skip
        if tool == "kubectl-novalidate":
            argv.append("--validate=false")
        return argv

    @functools.cached_property
    def ssapply(self) -> Path:
        """The Go peer's binary, built on first use (a minute or two) and cached."""
        return ensure_binary(SSAPPLY, self.progress)

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
        """Wait until the Deployments of every tool's namespace are available."""
        for tool in self.tools:
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
    parser.add_argument(
        "--peers",
        default=",".join(PEERS),
        help=f"Peers to run beside trueup, comma separated, from {', '.join(PEERS)}.",
    )
    parser.add_argument("--output", type=Path, help="Markdown file to write the results into.")
    parser.add_argument("--keep", action="store_true", help="Keep the work directory (logs).")
    args = parser.parse_args(argv)
    sizes = [int(size) for size in args.sizes.split(",")]
    peers = [peer for peer in args.peers.split(",") if peer]
    try:
        tools = tools_of(peers)
    except ValueError as error:
        parser.error(str(error))

    def progress(message: str) -> None:
        print(f"• {message}", file=sys.stderr, flush=True)

    # A plain ``kill`` must still stop the cluster: exit through the ``finally`` below.
    signal.signal(signal.SIGTERM, lambda _signal, _frame: sys.exit(143))
    workdir = Path(tempfile.mkdtemp(prefix="trueup-bench-"))
    cluster = DevCluster(workdir / "cluster")
    try:
        cluster.up(progress, nodes=nodes_for(sizes, max(1, args.repeat), tools))
        facts = machine_facts(cluster.kubeconfig)
        bench = Bench(cluster.kubeconfig, workdir, progress, peers=peers)
        results = bench.run(sizes, max(1, args.repeat))
        if (now := source_commit()) != facts["trueup commit"]:
            facts["trueup commit"] += f", then {now} by the end of the run"
    finally:
        cluster.down(progress)
        if args.keep:
            progress(f"logs kept in {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    print(markdown_table(results, tools[1:]))
    if args.output:
        command = "python -m benchmarks.sync " + " ".join(argv or sys.argv[1:])
        write_section(args.output, section(results, tools[1:], facts, command.strip()))
        progress(f"wrote {args.output}")


if __name__ == "__main__":
    main()

"""Rendering: a Helm chart and a Kustomize overlay, trueup beside ``helm template`` and
``kubectl kustomize``, and warm syncs that the render cache lets skip rendering.

Run it as ``.venv/bin/python -m benchmarks.render [--chart-objects 200]
[--overlay-objects 1000] [--repeat 5] [--output docs/benchmarks.md]``. It generates, in a
temporary directory, the objects of :mod:`benchmarks.workload` (ConfigMaps, Secrets,
Services, Deployments):

a. **chart**: a chart of ``--chart-objects`` objects, ten to a template file, names,
   labels and a value templated (``.Release.Name``, ``.Chart.AppVersion``, ``.Values``).
   trueup renders it as an App's ``spec.helm`` does (``trueup.render.render_async`` with a
   ``HelmRender``: the Helm helper run twice, CRDs first, in the render sandbox); the peer
   is Helm's own CLI in the same helper binary, ``<helper> helm template``.
b. **overlay**: a Kustomize base of ``--overlay-objects`` objects, ten to a file, and an
   overlay over it (namespace, name prefix, labels, a patch of every Deployment). trueup
   renders the overlay's path (``kubectl kustomize`` in the sandbox, then its own bounded
   YAML reading); the peer is ``kubectl kustomize`` alone.
c. **warm sync**: an App of each (chart and overlay), synced by ``Engine.sync`` against the
   in-memory target, store and source (``trueup.targets.memory``, ``trueup.store``,
   ``trueup.source.MemorySource``), so that what is left is trueup's own work: a cold sync
   (render, create), a warm sync on a fresh Engine (renders again, nothing changes) and a
   warm sync on the same Engine (its render cache answers).

Each of ``--repeat`` repetitions of trueup's render runs in a fresh worker process
(``python -m benchmarks.render --worker``) that times the ``render_async`` call alone
(imports excluded) and reports ``getrusage``: the peak resident memory of the worker itself
(the interpreter, trueup and the decoded result) and of its largest descendant
(``RUSAGE_CHILDREN``: the forked sandbox child, which shares the worker's pages, or the
Helm helper or kubectl under it, whichever peaked highest). The peers are measured as
processes with ``os.wait4`` (:mod:`benchmarks.measure`). Medians and maxima are reported.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from benchmarks.measure import run_measured
from benchmarks.report import machine_facts, write_section
from benchmarks.workload import PER_FILE, objects

Progress = Callable[[str], None]
BEGIN = "<!-- benchmarks.render: begin -->"
END = "<!-- benchmarks.render: end -->"
CHART = "chart"
OVERLAY = "overlay"
RELEASE = "bench"
NAMESPACE = "bench"
URL = "https://git.example.test/bench.git"
_RELEASE_MARK = "RELEASE-MARK"
_VERSION_MARK = "VERSION-MARK"
_LEVEL_MARK = "LEVEL-MARK"


# -- the inputs --------------------------------------------------------------------------


def write_chart(root: Path, size: int) -> Path:
    """A chart of ``size`` objects under ``root/chart``, ten to a template file."""
    chart = root / CHART
    (chart / "templates").mkdir(parents=True)
    (chart / "Chart.yaml").write_text(
        "apiVersion: v2\nname: bench\nversion: 1.0.0\nappVersion: '2.4.1'\ntype: application\n"
    )
    (chart / "values.yaml").write_text("logLevel: info\n")
    templated = [_templated(obj) for obj in objects(size)]
    for start in range(0, len(templated), PER_FILE):
        text = yaml.safe_dump_all(templated[start : start + PER_FILE], sort_keys=False)
        text = (
            text.replace(_RELEASE_MARK, "{{ .Release.Name }}")
            .replace(_VERSION_MARK, "{{ .Chart.AppVersion | quote }}")
            .replace(_LEVEL_MARK, "{{ .Values.logLevel | quote }}")
        )
        (chart / "templates" / f"objects-{start // PER_FILE:04d}.yaml").write_text(text)
    return chart


def _templated(obj: dict[str, Any]) -> dict[str, Any]:
    meta = obj["metadata"]
    meta["name"] = f"{_RELEASE_MARK}-{meta['name']}"
    meta["labels"] = {**meta.get("labels", {}), "app.kubernetes.io/version": _VERSION_MARK}
    if obj["kind"] == "ConfigMap":
        obj["data"]["LOG_LEVEL"] = _LEVEL_MARK
    return obj


def write_overlay(root: Path, size: int) -> Path:
    """A base of ``size`` objects under ``root/base`` and an overlay of it at ``root/overlay``."""
    base, overlay = root / "base", root / OVERLAY
    base.mkdir(parents=True)
    overlay.mkdir()
    every = objects(size)
    files = []
    for start in range(0, len(every), PER_FILE):
        name = f"objects-{start // PER_FILE:04d}.yaml"
        (base / name).write_text(yaml.safe_dump_all(every[start : start + PER_FILE]))
        files.append(name)
    (base / "kustomization.yaml").write_text(yaml.safe_dump({"resources": files}))
    kustomization = {
        "resources": ["../base"],
        "namespace": NAMESPACE,
        "namePrefix": "prod-",
        "labels": [{"pairs": {"environment": "production"}, "includeSelectors": False}],
        "patches": [
            {
                "target": {"kind": "Deployment"},
                "patch": "- op: replace\n  path: /spec/replicas\n  value: 2\n",
            }
        ],
    }
    (overlay / "kustomization.yaml").write_text(yaml.safe_dump(kustomization, sort_keys=False))
    return overlay


# -- trueup's render, in a worker process ------------------------------------------------


def _options(case: str) -> Any:
    from trueup.config.helm import HelmSpec
    from trueup.render import RenderOptions
    from trueup.render.helm import HelmRender, helm_binary

    if case == CHART:
        spec = HelmSpec.model_validate({"chart": CHART})
        binary = str(helm_binary(lambda _message: None))
        return RenderOptions(helm=HelmRender(binary, spec, RELEASE, NAMESPACE))
    return RenderOptions()


def worker(case: str, root: Path) -> dict[str, float]:
    """Render ``case`` under ``root`` once, in this process; what it took (see the module)."""
    from trueup.render import render_async

    options = _options(case)
    started = time.perf_counter()
    rendered = asyncio.run(render_async(root, case, options))
    seconds = time.perf_counter() - started
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {
        "seconds": seconds,
        "objects": len(rendered.objects),
        "worker_mib": own,
        "child_mib": children,
    }


def _trueup_once(case: str, root: Path) -> dict[str, float]:
    argv = [sys.executable, "-m", "benchmarks.render", "--worker", case, str(root)]
    done = subprocess.run(argv, capture_output=True, text=True, check=False, timeout=300)
    if done.returncode != 0:
        raise RuntimeError(f"{shlex.join(argv)} exited with {done.returncode}:\n{done.stderr}")
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


# -- the comparison ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Stats:
    """Median and maximum of several measures."""

    median: float
    max: float

    @staticmethod
    def of(values: Sequence[float]) -> Stats:
        """The median and maximum of ``values``."""
        return Stats(statistics.median(values), max(values))


@dataclass(frozen=True, slots=True)
class RenderResult:
    """One input rendered ``repeat`` times by trueup and by its peer."""

    case: str
    objects: int
    peer: str
    trueup_s: Stats
    trueup_worker_mib: Stats
    trueup_child_mib: Stats
    peer_s: Stats
    peer_mib: Stats


@dataclass(frozen=True, slots=True)
class SyncResult:
    """Seconds of a cold sync, of warm syncs that render and of warm syncs the cache answers."""

    case: str
    objects: int
    cold_s: float
    warm_rendering_s: Stats
    warm_cached_s: Stats
    renders_skipped: int
    """Renders the cache answered for (one per cached warm sync when it works)."""


def peer_command(case: str, root: Path) -> list[str]:
    """The peer's command line: ``helm template`` by the helper, or ``kubectl kustomize``."""
    if case == CHART:
        from trueup.render.helm import helm_binary

        binary = str(helm_binary(lambda _message: None))
        return [binary, "helm", "template", RELEASE, str(root / CHART), "-n", NAMESPACE]
    return ["kubectl", "kustomize", str(root / OVERLAY)]


def compare(case: str, root: Path, size: int, repeat: int, progress: Progress) -> RenderResult:
    """Render ``case`` under ``root`` ``repeat`` times by trueup and by its peer, alternating."""
    ours: list[dict[str, float]] = []
    theirs = []
    argv = peer_command(case, root)
    for n in range(repeat):
        progress(f"{case}: repetition {n + 1} of {repeat}")
        ours.append(_trueup_once(case, root))
        theirs.append(run_measured(argv, log=root / "logs" / f"{case}-{n}.log"))
        if ours[-1]["objects"] != size:
            raise RuntimeError(
                f"trueup rendered {ours[-1]['objects']} objects of {case}, not {size}"
            )
    return RenderResult(
        case,
        size,
        "helm template" if case == CHART else "kubectl kustomize",
        Stats.of([r["seconds"] for r in ours]),
        Stats.of([r["worker_mib"] for r in ours]),
        Stats.of([r["child_mib"] for r in ours]),
        Stats.of([s.seconds for s in theirs]),
        Stats.of([s.peak_mib for s in theirs]),
    )


# -- warm syncs with the render cache ------------------------------------------------------


class _OneTarget:
    """The engine's ``Targets``: one in-memory target for every App."""

    def __init__(self) -> None:
        from trueup.targets.memory import MemoryTarget

        self.target = MemoryTarget()

    def get(
        self,
        kubeconfig: str | None = None,
        context: str | None = None,
        *,
        impersonate: str | None = None,
    ) -> Any:
        return self.target


def _config(folder: Path, case: str) -> Path:
    spec: dict[str, Any] = {"source": "bench", "namespace": NAMESPACE, "path": case}
    if case == CHART:
        spec["helm"] = {"chart": CHART, "releaseName": RELEASE}
    docs = [
        {
            "apiVersion": "trueup.dev/v1alpha1",
            "kind": "GitSource",
            "metadata": {"name": "bench"},
            "spec": {"url": URL},
        },
        {
            "apiVersion": "trueup.dev/v1alpha1",
            "kind": "App",
            "metadata": {"name": case},
            "spec": spec,
        },
    ]
    path = folder / f"trueup-{case}.yaml"
    path.write_text(yaml.safe_dump_all(docs, sort_keys=False))
    return path


def warm_sync(case: str, root: Path, size: int, repeat: int, progress: Progress) -> SyncResult:
    """A cold sync, then ``repeat`` warm syncs each on a fresh Engine and on the same one."""
    return asyncio.run(_warm_sync(case, root, size, repeat, progress))


async def _warm_sync(
    case: str, root: Path, size: int, repeat: int, progress: Progress
) -> SyncResult:
    from trueup.config import load_config
    from trueup.engine import Engine, SyncOptions
    from trueup.source import MemorySource
    from trueup.store import MemoryStore

    config = load_config(_config(root, case))
    config.raise_if_invalid()
    source = MemorySource(root / f"checkouts-{case}")
    folder = root / case if case == CHART else root
    tree = {
        str(path.relative_to(root)): path.read_bytes()
        for path in folder.rglob("*")
        if path.is_file() and path.suffix == ".yaml" and "logs" not in path.parts
    }
    source.commit(URL, tree)
    store, targets = MemoryStore(), _OneTarget()
    targets.target.put({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": NAMESPACE}})

    async def timed(engine: Engine, what: str) -> float:
        progress(f"{case}: {what}")
        started = time.perf_counter()
        report = await engine.sync(case, SyncOptions(), lambda _line: None)
        seconds = time.perf_counter() - started
        if not report.ok:
            raise RuntimeError(f"the {what} of {case} failed: {report.error}")
        return seconds

    first = Engine(config, store, source, targets)
    cold = await timed(first, "cold sync")
    rendering, cached = [], []
    for _ in range(repeat):
        fresh = Engine(config, store, source, targets)
        rendering.append(await timed(fresh, "warm sync, fresh Engine"))
        cached.append(await timed(first, "warm sync, same Engine"))
    skipped = first.render_cache.hits
    return SyncResult(case, size, cold, Stats.of(rendering), Stats.of(cached), skipped)


# -- the report --------------------------------------------------------------------------


def report(
    renders: Sequence[RenderResult],
    syncs: Sequence[SyncResult],
    facts: dict[str, str],
    command: str,
    repeat: int,
) -> str:
    """The generated section of docs/benchmarks.md: command, facts, two tables."""
    lines = [BEGIN, "", f"Command: `{command}`", ""]
    lines += [f"- {name}: {value}" for name, value in facts.items()]
    lines += [
        "",
        f"**Render** ({repeat} repetitions; median / max; seconds and peak resident MiB):",
        "",
        "| input | objects | trueup s | peer | peer s | ratio (median) | trueup worker MiB "
        "| trueup largest child MiB | peer MiB |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in renders:
        lines.append(
            f"| {r.case} | {r.objects:,} | {_pair(r.trueup_s, 2)} | `{r.peer}` | "
            f"{_pair(r.peer_s, 2)} | {r.trueup_s.median / r.peer_s.median:.2f} | "
            f"{_pair(r.trueup_worker_mib, 0)} | {_pair(r.trueup_child_mib, 0)} | "
            f"{_pair(r.peer_mib, 0)} |"
        )
    lines += [
        "",
        f"**Warm sync with the render cache** (in-memory target; one cold sync, then {repeat} "
        "warm syncs each; median / max seconds):",
        "",
        "| app | objects | cold sync | warm, fresh Engine (renders) | warm, same Engine "
        "(cached) | cached / rendering | renders skipped |",
        "|---|---|---|---|---|---|---|",
    ]
    for s in syncs:
        lines.append(
            f"| {s.case} | {s.objects:,} | {s.cold_s:.2f} | {_pair(s.warm_rendering_s, 3)} | "
            f"{_pair(s.warm_cached_s, 3)} | "
            f"{s.warm_cached_s.median / s.warm_rendering_s.median:.2f} | {s.renders_skipped} |"
        )
    lines += ["", END]
    return "\n".join(lines)


def _pair(stats: Stats, digits: int) -> str:
    return f"{stats.median:.{digits}f} / {stats.max:.{digits}f}"


def facts() -> dict[str, str]:
    """The machine's facts (see ``benchmarks.report``), without the API server: none is used."""
    found = machine_facts(Path(os.devnull))
    found.pop("API server (dev-cluster)", None)
    return found


def run(
    root: Path, chart_objects: int, overlay_objects: int, repeat: int, progress: Progress
) -> tuple[list[RenderResult], list[SyncResult]]:
    """Generate both inputs under ``root``, compare the renders, time the warm syncs."""
    write_chart(root, chart_objects)
    write_overlay(root, overlay_objects)
    renders = [
        compare(CHART, root, chart_objects, repeat, progress),
        compare(OVERLAY, root, overlay_objects, repeat, progress),
    ]
    syncs = [
        warm_sync(CHART, root, chart_objects, repeat, progress),
        warm_sync(OVERLAY, root, overlay_objects, repeat, progress),
    ]
    return renders, syncs


def main(argv: Sequence[str] | None = None) -> None:
    """Parse the command line, run, print the section and write it to ``--output``."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.render", description=__doc__)
    parser.add_argument("--chart-objects", type=int, default=200)
    parser.add_argument("--overlay-objects", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--output", type=Path, default=None)
    parser.add_argument("--worker", nargs=2, metavar=("CASE", "ROOT"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        print(json.dumps(worker(args.worker[0], Path(args.worker[1]))))
        return
    command = shlex.join(["python", "-m", "benchmarks.render", *(argv or sys.argv[1:])])
    with tempfile.TemporaryDirectory(prefix="trueup-render-bench-") as tmp:
        found = facts()
        renders, syncs = run(
            Path(tmp), args.chart_objects, args.overlay_objects, args.repeat, _stderr
        )
    text = report(renders, syncs, found, command, args.repeat)
    print(text)
    if args.output is not None:
        write_section(args.output, text, begin=BEGIN, end=END)


def _stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


if __name__ == "__main__":
    main()

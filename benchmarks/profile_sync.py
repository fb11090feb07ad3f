"""Where the time of one cold and one warm ``trueup sync`` goes, measured in-process.

Run it as ``.venv/bin/python -m benchmarks.profile_sync [--size 1000] [--kubeconfig FILE]``.
Without ``--kubeconfig`` it starts (and stops) a dev-cluster of its own. It prints:

- the interpreter's start-up and the import of the CLI, in a fresh process (what every
  ``trueup`` command pays before it does anything);
- the wall time of each step of a sync run through the CLI in this process (the CLI's own
  ``sync`` command, so configuration loading, the store and the table are included), taken by
  wrapping the engine's steps with timers;
- the functions that took the most time under ``cProfile``, by own time and by cumulative time.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import functools
import importlib
import inspect
import io
import os
import pstats
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from benchmarks.sync import Bench
from benchmarks.workload import APP_PATH, make_repository
from trueup.devcluster import DevCluster

Spans = dict[str, float]

# (owner, attribute, label): the steps of a CLI sync, in the order they run. A step the
# code no longer has is left out of the report (the engine moves on; this list follows).
STEPS: tuple[tuple[str, str, str], ...] = (
    ("trueup.cli.session", "load_config", "load configuration"),
    ("trueup.store.SqliteStore", "open", "open store"),
    ("trueup.engine.Engine", "fetch", "source: fetch"),
    ("trueup.engine.Engine", "render", "render"),
    ("trueup.engine.Engine", "desired", "plan: desired objects"),
    ("trueup.store.SqliteStore", "inventory", "store: read inventory"),
    ("trueup.apply", "read_live", "apply: read live (LIST)"),
    ("trueup.engine.Engine", "_remember_intent", "store: remember intent"),
    ("trueup.apply", "apply_stages", "apply: dry-run + apply"),
    ("trueup.apply", "prune", "apply: prune"),
    ("trueup.engine.Engine", "_save_inventory", "store: save inventory"),
    ("trueup.engine.Engine", "_health", "health"),
    ("trueup.engine.Engine", "_record", "store: record attempt"),
    ("trueup.cli.formats", "table", "print table"),
    ("trueup.targets.kubernetes.pool.KubernetesTargets", "aclose", "close connections"),
)


def _resolve(owner: str) -> Any:
    """The module or the class ``owner`` names."""
    try:
        return importlib.import_module(owner)
    except ModuleNotFoundError:
        module, _, name = owner.rpartition(".")
        return getattr(importlib.import_module(module), name)


def _timer(label: str, wrapped: Callable[..., Any], spans: Spans) -> Callable[..., Any]:
    if inspect.iscoroutinefunction(wrapped):

        @functools.wraps(wrapped)
        async def timed_async(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return await wrapped(*args, **kwargs)
            finally:
                spans[label] = spans.get(label, 0.0) + time.perf_counter() - started

        return timed_async

    @functools.wraps(wrapped)
    def timed(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return wrapped(*args, **kwargs)
        finally:
            spans[label] = spans.get(label, 0.0) + time.perf_counter() - started

    return timed


@contextlib.contextmanager
def timed_steps(spans: Spans) -> Iterator[None]:
    """Wrap every step of :data:`STEPS` with a timer adding to ``spans``; unwrap on exit."""
    undo: list[tuple[Any, str, Any]] = []
    try:
        for owner, attribute, label in STEPS:
            try:
                obj = _resolve(owner)
                getattr(obj, attribute)
            except (ImportError, AttributeError):
                print(f"(not timed: {owner}.{attribute} does not exist)", file=sys.stderr)
                continue
            own = vars(obj).get(attribute)
            wrapper = _timer(label, getattr(obj, attribute), spans)
            # A class method is wrapped already bound, so it must not be bound again.
            setattr(
                obj, attribute, staticmethod(wrapper) if isinstance(own, classmethod) else wrapper
            )
            undo.append((obj, attribute, own))
        yield
    finally:
        for obj, attribute, own in reversed(undo):
            if own is None:
                delattr(obj, attribute)
            else:
                setattr(obj, attribute, own)


def startup_seconds(repeat: int = 3) -> tuple[float, float]:
    """Median seconds of a bare interpreter, and of one that imports the CLI."""

    def median_of(code: str) -> float:
        runs = []
        for _ in range(repeat):
            started = time.perf_counter()
            subprocess.run([sys.executable, "-c", code], check=True, timeout=60)
            runs.append(time.perf_counter() - started)
        return statistics.median(runs)

    return median_of("pass"), median_of("import trueup.cli.main")


@contextlib.contextmanager
def counted_requests(counts: dict[str, int]) -> Iterator[None]:
    """Count the requests sent to the API server, by method and dry-run or not."""
    from trueup.targets.kubernetes.http1 import Answer, Http1Transport, Origin, Timeouts

    send = Http1Transport.exchange

    async def counting(
        self: Http1Transport,
        origin: Origin,
        method: str,
        target: str,
        fields: bytes,
        body: bytes,
        timeouts: Timeouts,
    ) -> Answer:
        dry = "dryRun=" in target.partition("?")[2] or b'"dryRun"' in body
        key = f"{method}{' (dry-run)' if dry else ''}"
        counts[key] = counts.get(key, 0) + 1
        return await send(self, origin, method, target, fields, body, timeouts)

    Http1Transport.exchange = counting  # type: ignore[method-assign]
    try:
        yield
    finally:
        Http1Transport.exchange = send  # type: ignore[method-assign]


def run_cli(argv: list[str], profiler: cProfile.Profile | None = None) -> tuple[float, Spans]:
    """Run the CLI with ``argv`` in this process (stdout discarded): seconds and step times.

    The step times include ``client CPU`` (this process's CPU time) and one entry per kind
    of request sent (``requests: PATCH (dry-run)``, …), counted rather than timed.
    """
    from trueup.cli.main import typer_app

    spans: Spans = {}
    counts: dict[str, int] = {}
    cpu = time.process_time()
    with (
        timed_steps(spans),
        counted_requests(counts),
        contextlib.redirect_stdout(io.StringIO()),
    ):
        started = time.perf_counter()
        if profiler is not None:
            profiler.enable()
        try:
            typer_app(argv, standalone_mode=False)
        finally:
            if profiler is not None:
                profiler.disable()
        seconds = time.perf_counter() - started
    spans["client CPU"] = time.process_time() - cpu
    for key, count in sorted(counts.items()):
        spans[f"requests: {key}"] = count
    return seconds, spans


def top_functions(profiler: cProfile.Profile, top: int) -> str:
    """The ``top`` functions by own time, then by cumulative time.

    Note that cProfile counts every resumption of a coroutine as a call.
    """
    text = io.StringIO()
    stats = pstats.Stats(profiler, stream=text).strip_dirs()
    stats.sort_stats("tottime").print_stats(top)
    stats.sort_stats("cumulative").print_stats(top)
    return text.getvalue()


def config_text(url: str, namespaces: dict[str, str]) -> str:
    """A GitSource and one App per name in ``namespaces``, each in its namespace."""
    docs = [
        "apiVersion: trueup.dev/v1alpha1\nkind: GitSource\nmetadata: {name: bench}\n"
        f"spec:\n  url: {url}\n  ref: {{branch: main}}\n"
    ]
    docs += [
        "apiVersion: trueup.dev/v1alpha1\nkind: App\n"
        f"metadata: {{name: {app}}}\nspec:\n  source: bench\n  path: {APP_PATH}\n"
        f"  namespace: {namespace}\n"
        for app, namespace in namespaces.items()
    ]
    return "---\n".join(docs)


def run(kubeconfig: Path, workdir: Path, size: int, top: int) -> None:
    """Prepare an app of ``size`` objects, then time and profile a cold and a warm sync of it.

    Two Apps sync the same objects into two namespaces: ``timed`` only with the step
    timers (honest wall times), ``profiled`` under cProfile (which slows Python down).
    """
    bench = Bench(kubeconfig, workdir)
    repository = make_repository(workdir / "repo", size)
    namespaces = {app: f"p{bench.token}-{app}-{size}" for app in ("timed", "profiled")}
    for namespace in namespaces.values():
        bench.untimed(bench.kubectl("create", "namespace", namespace), f"ns-{namespace}.log")
    config, store = workdir / "trueup.yaml", workdir / "trueup.db"
    config.write_text(config_text(repository.url, namespaces))
    base = [f"--config={config}", f"--store={store}", f"--kubeconfig={kubeconfig}"]
    python, cli = startup_seconds()
    print(f"start-up: bare interpreter {python:.2f} s; interpreter + import of the CLI {cli:.2f} s")
    os.environ["TRUEUP_CACHE_DIR"] = str(workdir / "cache")
    # Untimed: fills the Git cache, as benchmarks.sync does before its timed runs.
    run_cli([*base, "build", "timed", "-o", "json"])
    for phase in ("cold", "warm"):
        seconds, spans = run_cli([*base, "sync", "timed"])
        print(f"\n## {phase} sync of {size} objects: {seconds:.2f} s in-process")
        for label, spent in spans.items():
            if label.startswith("requests:"):
                print(f"  {label:<28} {spent:7.0f}")
            else:
                print(f"  {label:<28} {spent:7.3f} s")
        profiler = cProfile.Profile()
        seconds, _spans = run_cli([*base, "sync", "profiled"], profiler)
        profiler.dump_stats(workdir / f"{phase}.prof")
        print(f"\n### under cProfile: {seconds:.2f} s\n")
        print(top_functions(profiler, top))


def main(argv: list[str] | None = None) -> None:
    """Parse the options and profile on the given cluster or on one of its own."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.profile_sync", description=__doc__)
    parser.add_argument("--size", type=int, default=1000, help="Objects in the app.")
    parser.add_argument("--kubeconfig", type=Path, help="Use this cluster instead of a new one.")
    parser.add_argument("--top", type=int, default=25, help="Functions to list per ordering.")
    parser.add_argument("--keep", action="store_true", help="Keep the work directory (.prof).")
    args = parser.parse_args(argv)
    workdir = Path(tempfile.mkdtemp(prefix="trueup-profile-"))
    cluster = None if args.kubeconfig else DevCluster(workdir / "cluster")
    try:
        kubeconfig: Path = args.kubeconfig
        if cluster is not None:
            cluster.up(lambda message: print(f"• {message}", file=sys.stderr))
            kubeconfig = cluster.kubeconfig
        run(kubeconfig, workdir, args.size, args.top)
    finally:
        if cluster is not None:
            cluster.down(lambda _message: None)
        if args.keep:
            print(f"profiles kept in {workdir}", file=sys.stderr)
        else:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()

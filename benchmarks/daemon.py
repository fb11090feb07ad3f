"""``trueup serve`` at scale: start-up of 1,000 apps, steady state, push to applied, drift.

Run it as ``.venv/bin/python -m benchmarks.daemon [--apps 1000] [--repos 10]
[--concurrency 8] [--steady 330] [--pushes 50] [--drifts 50] [--output docs/benchmarks.md]``.
It starts a dev-cluster of its own in a temporary directory (and stops it) and makes
``--repos`` local Git repositories holding ``--apps`` apps between them, each app four
namespace-less objects (a ConfigMap, an Opaque Secret, a ClusterIP Service and a
one-replica Deployment; see :mod:`benchmarks.workload`), the apps of one repository in one
namespace. Then:

1. **start-up**: ``trueup serve`` starts with an empty store; measured from its start until
   every app has been reconciled successfully (``synced``, from its log) and every
   Deployment is Available (``healthy``, read from the cluster each second), with the
   daemon's peak resident memory, CPU seconds and the API requests it sent (its
   ``trueup_kubernetes_requests_total`` metric). The floor beside it: the Go client-go
   program of :mod:`benchmarks.sync` applying the same objects (a server dry-run of each
   first), one run per repository at once, until the Deployments are Available.
2. **steady state**: the daemon left alone for ``--steady`` seconds with nothing changing
   (by default long enough for every App's 5-minute interval to come due once): its CPU
   and API requests per minute (lease renewals included) and how many reconciles ran.
3. **push to applied**: ``--pushes`` times a one-line commit to one app's ConfigMap, pushed,
   then its signed webhook sent; the time from ``git push`` returning until the ConfigMap in
   the cluster has the new value (polled every 20 ms). p50 and p95.
4. **drift to reverted**: ``--drifts`` times a ``kubectl patch`` (field manager
   ``kubectl-edit``) of a field Git declares; the time from kubectl returning until the
   ConfigMap holds Git's value again. p50 and p95.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import hmac
import json
import os
import re
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import yaml

from benchmarks.report import machine_facts, write_section
from benchmarks.sync import SSAPPLY, trueup_command
from benchmarks.workload import Object, configmap, deployment, secret, service
from trueup.devcluster import DevCluster, ensure_binary
from trueup.objects import ObjectId

Progress = Callable[[str], None]
BEGIN = "<!-- benchmarks.daemon: begin -->"
END = "<!-- benchmarks.daemon: end -->"
TOKEN = secrets.token_hex(16)
RECEIVER = "bench"
QUIET = 20.0
"""Seconds without a reconcile or an App event before the steady state is measured."""
_LISTENING = re.compile(r'"listen":"([^"]+)"')


def _git(*args: str, cwd: Path) -> None:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "bench",
        "GIT_AUTHOR_EMAIL": "bench@trueup.invalid",
        "GIT_COMMITTER_NAME": "bench",
        "GIT_COMMITTER_EMAIL": "bench@trueup.invalid",
    }
    subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True)


def app_objects(index: int) -> list[dict[str, object]]:
    """The four objects of app ``index``."""
    return [configmap(index), secret(index), service(index), deployment(index)]


@dataclass
class Fleet:
    """``apps`` apps in ``repos`` repositories under ``root``; app i lives in repo i % repos."""

    root: Path
    apps: int
    repos: int

    def repo_of(self, app: int) -> int:
        return app % self.repos

    def bare(self, repo: int) -> Path:
        return self.root / f"repo-{repo}.git"

    def work(self, repo: int) -> Path:
        return self.root / f"repo-{repo}"

    def namespace(self, repo: int) -> str:
        return f"fleet-{repo}"

    def make(self) -> None:
        """Write every app into its repository, commit and push."""
        for repo in range(self.repos):
            bare, work = self.bare(repo), self.work(repo)
            _git("init", "--quiet", "--bare", "--initial-branch=main", str(bare), cwd=self.root)
            _git("init", "--quiet", "--initial-branch=main", str(work), cwd=self.root)
        for app in range(self.apps):
            folder = self.work(self.repo_of(app)) / "apps" / f"app-{app:04d}"
            folder.mkdir(parents=True)
            for obj in app_objects(app):
                name = f"{str(obj['kind']).lower()}.yaml"
                (folder / name).write_text(yaml.safe_dump(obj, sort_keys=False))
        for repo in range(self.repos):
            work = self.work(repo)
            _git("add", ".", cwd=work)
            _git("commit", "--quiet", "-m", "The fleet", cwd=work)
            _git("push", "--quiet", str(self.bare(repo)), "main", cwd=work)

    def config(self) -> str:
        """GitSources, a Receiver for all of them, its Secret, and one App per app."""
        docs = []
        for repo in range(self.repos):
            docs.append(
                {
                    "apiVersion": "trueup.dev/v1alpha1",
                    "kind": "GitSource",
                    "metadata": {"name": f"repo-{repo}"},
                    "spec": {"url": f"file://{self.bare(repo)}", "ref": {"branch": "main"}},
                }
            )
        docs.append(
            {
                "apiVersion": "trueup.dev/v1alpha1",
                "kind": "Receiver",
                "metadata": {"name": RECEIVER},
                "spec": {
                    "type": "generic",
                    "secretRef": {"name": "hook"},
                    "sources": [f"repo-{repo}" for repo in range(self.repos)],
                },
            }
        )
        docs.append(
            {
                "apiVersion": "v1",
                "kind": "Secret",
                "metadata": {"name": "hook"},
                "stringData": {"token": TOKEN},
            }
        )
        for app in range(self.apps):
            repo = self.repo_of(app)
            docs.append(
                {
                    "apiVersion": "trueup.dev/v1alpha1",
                    "kind": "App",
                    "metadata": {"name": f"app-{app:04d}"},
                    "spec": {
                        "source": f"repo-{repo}",
                        "path": f"apps/app-{app:04d}",
                        "namespace": self.namespace(repo),
                    },
                }
            )
        return yaml.safe_dump_all(docs, sort_keys=False)


def proc_cpu(pid: int) -> float:
    """User + system CPU seconds of process ``pid`` (and its reaped children)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return sum(int(fields[i]) for i in (11, 12, 13, 14)) / ticks


def proc_peak_mib(pid: int) -> float:
    """Peak resident memory of process ``pid`` in MiB (VmHWM)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


class Daemon:
    """A ``trueup serve`` subprocess whose JSON log is read as it is written."""

    def __init__(self, argv: list[str], log: Path, env: dict[str, str]) -> None:
        self.started = time.monotonic()
        self.log = log
        self._out = log.open("w")
        self.process = subprocess.Popen(argv, stdout=self._out, stderr=self._out, env=env)
        self.synced: set[str] = set()
        self.durations: list[float] = []
        self.last_synced_at = 0.0
        self.last_activity = 0.0
        self.url = ""
        self._stop = threading.Event()
        self._reader = threading.Thread(target=self._follow, daemon=True)
        self._reader.start()

    def _follow(self) -> None:
        with self.log.open() as log:
            partial = ""
            while not self._stop.is_set():
                line = partial + log.readline()
                if not line.endswith("\n"):
                    # The daemon is still writing this line: read the rest of it first.
                    partial = line
                    time.sleep(0.05)
                    continue
                partial = ""
                if not self.url and (match := _LISTENING.search(line)):
                    self.url = f"http://{match[1]}"
                if '"event":"reconcile.' in line or '"event":"app.' in line:
                    self.last_activity = time.monotonic()
                if '"event":"reconcile.succeeded"' in line:
                    event = json.loads(line)
                    self.synced.add(event["app"])
                    self.durations.append(float(event.get("duration_s", 0)))
                    self.last_synced_at = time.monotonic()

    def metric(self, name: str, *labels: str) -> float:
        """The sum of every series of metric ``name`` at the daemon's /metrics (of those
        whose labels hold one of ``labels``, e.g. ``result="compared"``, when given)."""
        text = httpx.get(self.url + "/metrics", timeout=30).text
        total = 0.0
        for line in text.splitlines():
            if not line.startswith(name) or line.startswith("#"):
                continue
            if not labels or any(label in line for label in labels):
                total += float(line.rsplit(" ", 1)[1])
        return total

    def reconciles(self) -> int:
        """Reconciles that ended applied or compared, by the daemon's
        ``trueup_reconciles_total``: an interval that finds nothing to do only compares,
        and logs nothing."""
        succeeded, compared = 'result="succeeded"', 'result="compared"'
        return int(self.metric("trueup_reconciles_total{", succeeded, compared))

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=120)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self._stop.set()
        self._out.close()


@dataclass
class Results:
    """What one run measured (see the module)."""

    apps: int
    repos: int
    concurrency: int
    synced_s: float = 0.0
    healthy_s: float = 0.0
    peak_mib: float = 0.0
    startup_cpu_s: float = 0.0
    startup_requests: float = 0.0
    mean_reconcile_s: float = 0.0
    floor_s: float = 0.0
    floor_cpu_s: float = 0.0
    steady_cpu_per_min: float = 0.0
    steady_requests_per_min: float = 0.0
    steady_seconds: float = 0.0
    steady_reconciles: int = 0
    """Reconciles that succeeded during the steady window (each App's interval comes due)."""
    settled_s: float = 0.0
    """When the daemon had been quiet for QUIET seconds (from its start)."""
    push_latencies: list[float] = field(default_factory=list)
    drift_latencies: list[float] = field(default_factory=list)


def available_deployments(kubeconfig: Path, selector: str) -> int:
    """How many Deployments matching ``selector`` have an available replica."""
    out = subprocess.run(
        [
            "kubectl",
            f"--kubeconfig={kubeconfig}",
            "get",
            "deployments",
            "-A",
            "-l",
            selector,
            "-o",
            "jsonpath={range .items[*]}{.status.availableReplicas}{'\\n'}{end}",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return sum(1 for line in out.splitlines() if line.strip() not in ("", "0"))


def wait_until(condition: Callable[[], bool], timeout: float, what: str) -> float:
    """Seconds until ``condition`` held (checked every second)."""
    began = time.monotonic()
    while time.monotonic() - began < timeout:
        if condition():
            return time.monotonic() - began
        time.sleep(1)
    raise RuntimeError(f"timed out after {timeout:.0f}s waiting for {what}")


@dataclass
class Bench:
    """One benchmark session on the cluster of ``kubeconfig``."""

    kubeconfig: Path
    workdir: Path
    progress: Progress
    fleet: Fleet
    concurrency: int

    def kubectl(self, *args: str) -> None:
        subprocess.run(
            ["kubectl", f"--kubeconfig={self.kubeconfig}", *args], check=True, capture_output=True
        )

    @property
    def env(self) -> dict[str, str]:
        return {**os.environ, "TRUEUP_CACHE_DIR": str(self.workdir / "cache")}

    def run(self, steady: float, pushes: int, floor: bool, drifts: int = 50) -> Results:
        results = Results(self.fleet.apps, self.fleet.repos, self.concurrency)
        self.progress(f"making {self.fleet.apps} apps in {self.fleet.repos} repositories")
        self.fleet.make()
        for repo in range(self.fleet.repos):
            self.kubectl("create", "namespace", self.fleet.namespace(repo))
        if floor:
            self.floor(results)
        config = self.workdir / "trueup.yaml"
        config.write_text(self.fleet.config())
        argv = [
            *trueup_command(),
            f"--config={config}",
            f"--store={self.workdir / 'trueup.db'}",
            f"--kubeconfig={self.kubeconfig}",
            "serve",
            "--listen=127.0.0.1:0",
            "--log-format=json",
            f"--concurrency={self.concurrency}",
        ]
        self.progress(f"starting trueup serve on {self.fleet.apps} apps")
        daemon = Daemon(argv, self.workdir / "serve.log", self.env)
        try:
            self.startup(daemon, results)
            self.steady(daemon, results, steady)
            self.pushes(daemon, results, pushes)
            self.drifts(daemon, results, drifts)
        finally:
            daemon.stop()
        return results

    def startup(self, daemon: Daemon, results: Results) -> None:
        apps = self.fleet.apps
        wait_until(lambda: len(daemon.synced) >= apps, 1800, f"{apps} apps reconciled")
        results.synced_s = daemon.last_synced_at - daemon.started
        selector = "app.kubernetes.io/part-of=bench"
        wait_until(
            lambda: available_deployments(self.kubeconfig, selector) >= apps,
            600,
            "every Deployment available",
        )
        results.healthy_s = time.monotonic() - daemon.started
        pid = daemon.process.pid
        results.peak_mib = proc_peak_mib(pid)
        results.startup_cpu_s = proc_cpu(pid)
        results.startup_requests = daemon.metric("trueup_kubernetes_requests_total")
        results.mean_reconcile_s = statistics.mean(daemon.durations)
        self.progress(
            f"synced in {results.synced_s:.1f} s, healthy in {results.healthy_s:.1f} s, "
            f"peak {results.peak_mib:.0f} MiB, {results.startup_cpu_s:.1f} s CPU"
        )

    def steady(self, daemon: Daemon, results: Results, seconds: float) -> None:
        if seconds <= 0:
            return
        # Steady means after start-up's tail (the controllers' first writes to the new
        # objects, each worth a drift check): wait until the daemon has been quiet a while.
        began = time.monotonic()
        while time.monotonic() - daemon.last_activity < QUIET and time.monotonic() - began < 600:
            time.sleep(1)
        results.settled_s = time.monotonic() - daemon.started
        self.progress(f"steady state: {seconds:.0f} s with nothing changing")
        pid = daemon.process.pid
        cpu, requests = proc_cpu(pid), daemon.metric("trueup_kubernetes_requests_total")
        reconciles = daemon.reconciles()
        time.sleep(seconds)
        results.steady_reconciles = daemon.reconciles() - reconciles
        minutes = seconds / 60
        results.steady_seconds = seconds
        results.steady_cpu_per_min = (proc_cpu(pid) - cpu) / minutes
        requests_after = daemon.metric("trueup_kubernetes_requests_total")
        results.steady_requests_per_min = (requests_after - requests) / minutes

    def pushes(self, daemon: Daemon, results: Results, count: int) -> None:
        if count <= 0:
            return
        self.progress(f"push to applied: {count} commits with their webhooks")
        repo, app = 0, 0
        work = self.fleet.work(repo)
        path = work / "apps" / f"app-{app:04d}" / "configmap.yaml"
        obj = configmap(app)
        name = obj["metadata"]["name"]
        namespace = self.fleet.namespace(repo)
        get = [
            "kubectl",
            f"--kubeconfig={self.kubeconfig}",
            "-n",
            namespace,
            "get",
            "configmap",
            str(name),
            "-o",
            "jsonpath={.data.LOG_LEVEL}",
        ]
        reader = ConfigMapReader(self.kubeconfig, namespace, str(name))
        try:
            self._push(daemon, results, reader, work, path, obj, count)
        finally:
            reader.close()
        check = subprocess.run(get, capture_output=True, text=True, check=True).stdout
        if check != f"push-{count - 1}":
            raise RuntimeError(f"the ConfigMap holds {check!r} after the last push")

    def _push(
        self,
        daemon: Daemon,
        results: Results,
        reader: ConfigMapReader,
        work: Path,
        path: Path,
        obj: Object,
        count: int,
    ) -> None:
        repo = 0
        for n in range(count):
            value = f"push-{n}"
            obj["data"]["LOG_LEVEL"] = value
            path.write_text(yaml.safe_dump(obj, sort_keys=False))
            _git("commit", "--quiet", "-am", f"Log level {value}", cwd=work)
            _git("push", "--quiet", str(self.fleet.bare(repo)), "main", cwd=work)
            pushed = time.monotonic()
            body = json.dumps({"ref": "refs/heads/main"}).encode()
            signature = "sha256=" + hmac.new(TOKEN.encode(), body, hashlib.sha256).hexdigest()
            httpx.post(
                f"{daemon.url}/hooks/{RECEIVER}",
                content=body,
                headers={"X-Signature": signature, "Content-Type": "application/json"},
                timeout=30,
            ).raise_for_status()
            reader.wait_for(value, timeout=120)
            results.push_latencies.append(time.monotonic() - pushed)

    def drifts(self, daemon: Daemon, results: Results, count: int) -> None:
        """A kubectl change of a field Git declares, ``count`` times, each reverted."""
        if count <= 0:
            return
        self.progress(f"drift to reverted: {count} changes by kubectl")
        for n in range(count):
            # Another app's object each time: the same object changed again and again is a
            # fight, which trueup reports and backs off from (see daemon/drift.py).
            app = 1 + n % max(self.fleet.apps - 1, 1)
            namespace = self.fleet.namespace(self.fleet.repo_of(app))
            name = str(configmap(app)["metadata"]["name"])
            original = str(configmap(app)["data"]["LOG_LEVEL"])
            reader = ConfigMapReader(self.kubeconfig, namespace, name)
            try:
                patch = json.dumps({"data": {"LOG_LEVEL": f"drift-{n}"}})
                subprocess.run(
                    [
                        "kubectl",
                        f"--kubeconfig={self.kubeconfig}",
                        "-n",
                        namespace,
                        "patch",
                        "configmap",
                        name,
                        "--field-manager=kubectl-edit",
                        "-p",
                        patch,
                    ],
                    check=True,
                    capture_output=True,
                )
                changed = time.monotonic()
                reader.wait_for(original, timeout=120)
                results.drift_latencies.append(time.monotonic() - changed)
            finally:
                reader.close()

    def floor(self, results: Results) -> None:
        """The Go client-go peer on the same objects, one run per repository at once."""
        ssapply = ensure_binary(SSAPPLY, self.progress)
        self.progress("the floor: client-go applying the same objects")
        for repo in range(self.fleet.repos):
            self.kubectl("create", "namespace", f"floor-{repo}")
        began = time.monotonic()
        children = [
            subprocess.Popen(
                [
                    str(ssapply),
                    f"--kubeconfig={self.kubeconfig}",
                    f"--namespace=floor-{repo}",
                    "--concurrency=16",
                    str(self.fleet.work(repo) / "apps"),
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            for repo in range(self.fleet.repos)
        ]
        cpu = 0.0
        for child in children:
            _pid, status, usage = os.wait4(child.pid, 0)
            child.returncode = os.waitstatus_to_exitcode(status)
            cpu += usage.ru_utime + usage.ru_stime
            if child.returncode != 0:
                raise RuntimeError(f"ssapply exited with {child.returncode}")

        def floor_available() -> bool:
            out = subprocess.run(
                [
                    "kubectl",
                    f"--kubeconfig={self.kubeconfig}",
                    "get",
                    "deployments",
                    "-A",
                    "-o",
                    "jsonpath={range .items[*]}{.metadata.namespace} "
                    "{.status.availableReplicas}{'\\n'}{end}",
                ],
                capture_output=True,
                text=True,
                check=True,
            ).stdout
            ready = [
                line
                for line in out.splitlines()
                if line.startswith("floor-") and line.split(" ")[1:] not in ([""], ["0"], [])
            ]
            return len(ready) >= self.fleet.apps

        wait_until(floor_available, 600, "the floor's Deployments available")
        results.floor_s = time.monotonic() - began
        results.floor_cpu_s = cpu
        self.progress(f"floor: {results.floor_s:.1f} s")
        self.progress("deleting the floor's objects before trueup starts")
        floors = [f"floor-{repo}" for repo in range(self.fleet.repos)]
        self.kubectl("delete", "namespace", *floors, "--timeout=600s")


class ConfigMapReader:
    """Reads one ConfigMap over the API every 20 ms (a kubectl per read would be too slow)."""

    def __init__(self, kubeconfig: Path, namespace: str, name: str) -> None:
        from trueup.targets.kubernetes.pool import KubernetesTargets

        self._loop = asyncio.new_event_loop()
        self._targets = KubernetesTargets(str(kubeconfig))
        self._id = ObjectId("", "ConfigMap", namespace, name)

    def wait_for(self, value: str, *, timeout: float) -> None:
        """Return once the ConfigMap's ``data.LOG_LEVEL`` is ``value``."""
        target = self._targets.get()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            live = self._loop.run_until_complete(target.get(self._id)) or {}
            if (live.get("data") or {}).get("LOG_LEVEL") == value:
                return
            time.sleep(0.02)
        raise RuntimeError(f"the ConfigMap never showed {value!r}")

    def close(self) -> None:
        """Release the connection and the event loop."""
        self._loop.run_until_complete(self._targets.aclose())
        self._loop.close()


def percentile(values: Sequence[float], share: float) -> float:
    """The ``share`` percentile (nearest rank) of ``values``."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


def latencies(title: str, what: str, values: Sequence[float]) -> str:
    """One line of the report: p50, p95 and the slowest of ``values``."""
    p50, p95 = percentile(values, 0.5), percentile(values, 0.95)
    return f"**{title}** {what}: p50 {p50:.2f} s, p95 {p95:.2f} s, max {max(values):.2f} s."


def report(results: Results, facts: dict[str, str], command: str) -> str:
    """The generated part of docs/benchmarks.md for this benchmark."""
    r = results
    lines = [BEGIN, "", f"Command: `{command}`", ""]
    lines += [f"- {name}: {value}" for name, value in facts.items()]
    lines += [
        "",
        f"**Start-up: {r.apps:,} apps of 4 objects in {r.repos} repositories, "
        f"`--concurrency {r.concurrency}`**",
        "",
        "| measure | trueup serve | client-go floor | ratio |",
        "| --- | ---: | ---: | ---: |",
    ]
    floor = f"{r.floor_s:.1f} s" if r.floor_s else "not run"
    ratio = f"{r.healthy_s / r.floor_s:.2f}x" if r.floor_s else ""
    lines += [
        f"| every app reconciled | {r.synced_s:.1f} s | | |",
        f"| every app reconciled and every Deployment Available | {r.healthy_s:.1f} s "
        f"| {floor} | {ratio} |",
        f"| CPU seconds | {r.startup_cpu_s:.1f} | {r.floor_cpu_s:.1f} | |",
        f"| peak resident memory | {r.peak_mib:.0f} MiB | | |",
        f"| API requests sent | {r.startup_requests:,.0f} | | |",
        f"| mean duration of one app's reconcile | {r.mean_reconcile_s:.2f} s | | |",
        "",
    ]
    if r.steady_seconds:
        share = r.steady_cpu_per_min / 60 * 100
        lines += [
            f"**Steady state** ({r.steady_seconds:.0f} s, nothing changing, measured once the "
            f"daemon had been quiet for {QUIET:.0f} s, {r.settled_s:.0f} s after its start): "
            f"{r.steady_cpu_per_min:.1f} CPU seconds per minute ({share:.1f} % of one core), "
            f"{r.steady_requests_per_min:,.0f} API requests per minute (lease renewals "
            f"included), over {r.steady_reconciles:,} interval reconciles.",
            "",
        ]
    if r.push_latencies:
        what = f"({len(r.push_latencies)} pushes, each followed by its webhook)"
        lines += [latencies("Push to applied", what, r.push_latencies), ""]
    if r.drift_latencies:
        what = (
            f"({len(r.drift_latencies)} changes of a field Git declares by `kubectl patch`, "
            "selfHeal on)"
        )
        lines += [latencies("Drift to reverted", what, r.drift_latencies), ""]
    lines.append(END)
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> None:
    """Parse the options, run on a dev-cluster of its own, print and write the report."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.daemon", description=__doc__)
    parser.add_argument("--apps", type=int, default=1000)
    parser.add_argument("--repos", type=int, default=10)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument(
        "--steady",
        type=float,
        default=330,
        help="Seconds of steady state (the default covers every App's 5-minute interval).",
    )
    parser.add_argument("--pushes", type=int, default=50)
    parser.add_argument("--drifts", type=int, default=50)
    parser.add_argument("--no-floor", action="store_true", help="Skip the client-go floor.")
    parser.add_argument("--output", type=Path, help="Markdown file to write the results into.")
    parser.add_argument("--keep", action="store_true", help="Keep the work directory (logs).")
    args = parser.parse_args(argv)

    def progress(message: str) -> None:
        print(f"• {message}", file=sys.stderr, flush=True)

    signal.signal(signal.SIGTERM, lambda _signal, _frame: sys.exit(143))
    workdir = Path(tempfile.mkdtemp(prefix="trueup-bench-daemon-"))
    cluster = DevCluster(workdir / "cluster")
    fleet = Fleet(workdir / "repos", args.apps, args.repos)
    fleet.root.mkdir(parents=True)
    try:
        nodes = max(3, -(-2 * args.apps // 200))
        cluster.up(progress, nodes=nodes)
        facts = machine_facts(cluster.kubeconfig)
        bench = Bench(cluster.kubeconfig, workdir, progress, fleet, args.concurrency)
        results = bench.run(args.steady, args.pushes, floor=not args.no_floor, drifts=args.drifts)
    finally:
        cluster.down(progress)
        if args.keep:
            progress(f"logs kept in {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    command = "python -m benchmarks.daemon " + " ".join(argv or sys.argv[1:])
    text = report(results, facts, command.strip())
    print(text)
    if args.output:
        write_section(args.output, text, begin=BEGIN, end=END)
        progress(f"wrote {args.output}")


if __name__ == "__main__":
    main()

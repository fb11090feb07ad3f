"""Image automation: a scan of many repositories, and a new tag until it runs.

Run it as ``.venv/bin/python -m benchmarks.images [--repos 100] [--tags 1000] [--repeat 3]
[--interval 10] [--pushes 5] [--output docs/benchmarks.md]``. It starts Debian's
``docker-registry`` on loopback (its own storage in a temporary directory), then:

1. **scan**: ``--repos`` repositories of ``--tags`` tags each (one image pushed through the
   distribution API per repository, the other tags written as link files straight into
   the registry's storage). trueup's :class:`~trueup.daemon.images.ImageScanner` (the
   loops ``trueup serve`` runs, recording into a SQLite store) scans every repository
   once, in a child process of its own; measured: wall time of the scan, HTTP requests the
   registry received (counted in its access log), the child's peak resident memory and its
   resident memory before the scan. The peer, in the same run: a plain sequential loop of
   ``httpx`` fetching the same tag lists page by page (the floor of the work), measured
   the same way. ``--repeat`` runs of each, taking turns after one unmeasured pass;
   medians.
2. **tag to running** (unless ``--no-deploy``): a dev-cluster of its own, a bare Git
   repository holding two Deployments whose image lines carry policy markers, and
   ``trueup serve`` with an ImageRepository, an ImagePolicy and an App for each, one
   ImageUpdate writing to the source branch, and a ``registry`` Receiver that the
   registry's notifications reach. ``--pushes`` times a new tag (a real manifest) is
   pushed for the image scanned every ``--interval`` seconds, then for the image only the
   Receiver wakes (its interval an hour); measured from the push returning until every
   pod of its Deployment has the new image in its spec and is ``Running`` (the
   dev-cluster's fake nodes run no containers: a pod is Running once kwok says so, and
   the old pods are gone). The aim: under the scan interval plus 5 s.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import hashlib
import importlib
import json
import os
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import yaml

from benchmarks.daemon import Daemon, percentile, wait_until
from benchmarks.measure import run_measured
from benchmarks.report import machine_facts, source_commit, write_section
from benchmarks.sync import trueup_command

Progress = Callable[[str], None]
BEGIN = "<!-- benchmarks.images: begin -->"
END = "<!-- benchmarks.images: end -->"
AIM_SLACK = 5.0
"""The aim: a new tag runs within the scan interval plus this many seconds."""
TOKEN = secrets.token_hex(16)
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
_ACCESS_LINE = re.compile(r'^\S+ - \S+ \[[^\]]+\] "[A-Z]+ ')
ROOT = Path(__file__).resolve().parents[1]
"""The folder holding the ``benchmarks`` package."""
TOOLS = {"trueup": "trueup ImageScanner", "httpx": "httpx, sequential"}
"""The measured scanners by name, as the table heads them."""


# -- the registry ----------------------------------------------------------------------------


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Registry:
    """A running ``docker-registry``: ``host`` is ``127.0.0.1:PORT``; its access log is
    ``log`` and its storage ``storage``."""

    host: str
    storage: Path
    log: Path

    def requests(self) -> int:
        """Requests the registry has answered so far (lines of its access log)."""
        text = self.log.read_text(errors="replace")
        return sum(1 for line in text.splitlines() if _ACCESS_LINE.match(line))

    def _blob(self, client: httpx.Client, repository: str, data: bytes) -> dict[str, object]:
        digest = "sha256:" + hashlib.sha256(data).hexdigest()
        started = client.post(f"/v2/{repository}/blobs/uploads/")
        started.raise_for_status()
        location = started.headers["location"]
        sep = "&" if "?" in location else "?"
        client.put(
            f"{location}{sep}digest={digest}",
            content=data,
            headers={"Content-Type": "application/octet-stream"},
        ).raise_for_status()
        return {"digest": digest, "size": len(data)}

    def push(self, repository: str, tag: str) -> str:
        """Push a one-layer OCI image under ``tag`` through the API; its manifest's digest."""
        with httpx.Client(base_url=f"http://{self.host}", timeout=30) as client:
            config = json.dumps({"architecture": "amd64", "os": "linux", "tag": tag}).encode()
            manifest = {
                "schemaVersion": 2,
                "mediaType": OCI_MANIFEST,
                "config": {
                    "mediaType": "application/vnd.oci.image.config.v1+json",
                    **self._blob(client, repository, config),
                },
                "layers": [
                    {
                        "mediaType": "application/vnd.oci.image.layer.v1.tar",
                        **self._blob(client, repository, f"layer of {repository}".encode()),
                    }
                ],
            }
            put = client.put(
                f"/v2/{repository}/manifests/{tag}",
                content=json.dumps(manifest).encode(),
                headers={"Content-Type": OCI_MANIFEST},
            )
            put.raise_for_status()
            return put.headers["docker-content-digest"]

    def write_tags(self, repository: str, digest: str, tags: Sequence[str]) -> None:
        """Make ``tags`` point at ``digest`` by writing the registry's tag link files."""
        base = self.storage / "docker/registry/v2/repositories" / repository / "_manifests/tags"
        for tag in tags:
            current = base / tag / "current"
            current.mkdir(parents=True, exist_ok=True)
            (current / "link").write_text(digest)
            index = base / tag / "index" / digest.replace(":", "/")
            index.mkdir(parents=True, exist_ok=True)
            (index / "link").write_text(digest)


@contextmanager
def running_registry(home: Path, *, notify_port: int | None = None) -> Iterator[Registry]:
    """Run ``docker-registry`` under ``home`` until the block ends; with ``notify_port``,
    its notifications go to ``trueup serve``'s Receiver ``registry`` on that port."""
    binary = shutil.which("docker-registry")
    if binary is None:
        raise RuntimeError("docker-registry is not installed: apt-get install docker-registry")
    home.mkdir(parents=True, exist_ok=True)
    port = free_port()
    notifications = ""
    if notify_port is not None:
        notifications = (
            "notifications:\n  endpoints:\n    - name: trueup\n"
            f"      url: http://127.0.0.1:{notify_port}/hooks/registry\n"
            f"      headers:\n        Authorization: [Bearer {TOKEN}]\n"
            "      timeout: 2s\n      threshold: 3\n      backoff: 1s\n"
        )
    config = home / "config.yml"
    config.write_text(
        "version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n"
        f"    rootdirectory: {home / 'storage'}\n"
        f"http:\n  addr: 127.0.0.1:{port}\n{notifications}"
    )
    log = home / "registry.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [binary, "serve", str(config)], stdout=out, stderr=subprocess.STDOUT
        )
    registry = Registry(f"127.0.0.1:{port}", home / "storage", log)
    try:
        deadline = time.monotonic() + 30
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"docker-registry exited: {log.read_text()[-2000:]}")
            try:
                if httpx.get(f"http://{registry.host}/v2/", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"docker-registry did not answer: {log.read_text()[-2000:]}")
            time.sleep(0.1)
        yield registry
    finally:
        process.terminate()
        process.wait(timeout=30)


def tag_names(count: int) -> list[str]:
    """``count`` semantic-version tags: ``1.0.0`` … (100 patches per minor)."""
    return [f"1.{n // 100}.{n % 100}" for n in range(count)]


def repository_name(index: int) -> str:
    return f"bench/app-{index:03d}"


def fill(registry: Registry, repos: int, tags: int, progress: Progress) -> None:
    """``repos`` repositories of ``tags`` tags each: one push, the rest as link files."""
    names = tag_names(tags)
    progress(f"making {repos} repositories of {tags:,} tags")
    for index in range(repos):
        name = repository_name(index)
        digest = registry.push(name, names[0])
        registry.write_tags(name, digest, names[1:])


# -- the scan, in a child process --------------------------------------------------------------


def _rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def scanner_config(host: str, repos: int) -> str:
    """One ImageRepository per repository, as a configuration file holds them."""
    docs = [
        {
            "apiVersion": "trueup.dev/v1alpha1",
            "kind": "ImageRepository",
            "metadata": {"name": f"app-{index:03d}"},
            "spec": {
                "image": f"{host}/{repository_name(index)}",
                "insecure": True,
                "interval": "1h",
                "timeout": "60s",
            },
        }
        for index in range(repos)
    ]
    return yaml.safe_dump_all(docs, sort_keys=False)


async def _scan_with_trueup(config_path: Path, store_path: Path) -> tuple[float, int, int]:
    """Every ImageRepository of the file scanned once by the daemon's scanner."""
    from trueup.config import load_config
    from trueup.daemon.backoff import Backoff, default_random
    from trueup.daemon.clock import SystemClock
    from trueup.daemon.images import ImageScanner, Scanned
    from trueup.store import SqliteStore

    config = load_config(config_path)
    if config.errors:
        raise RuntimeError("; ".join(str(e) for e in config.errors))
    store = await SqliteStore.open(store_path)
    wanted = len(config.image_repositories)
    scans: list[Scanned] = []
    done = asyncio.Event()

    def on_scan(scanned: Scanned) -> None:
        scans.append(scanned)
        if len(scans) >= wanted:
            done.set()

    scanner = ImageScanner(
        store, on_scan, clock=SystemClock(), rand=default_random(), backoff=Backoff()
    )
    began = time.perf_counter()
    scanner.watch(config, config.image_repositories)
    await done.wait()
    seconds = time.perf_counter() - began
    await scanner.stop()
    await store.close()
    failed = [s.scan.error for s in scans if s.scan.error]
    if failed:
        raise RuntimeError(f"{len(failed)} scans failed, the first: {failed[0]}")
    return seconds, len(scans), sum(len(s.scan.tags) for s in scans)


def _scan_with_httpx(host: str, repos: int) -> tuple[float, int, int]:
    """The floor: one client, the tag lists fetched one after another, page by page."""
    tags = 0
    began = time.perf_counter()
    with httpx.Client(base_url=f"http://{host}", timeout=60, trust_env=False) as client:
        for index in range(repos):
            url: str | None = f"/v2/{repository_name(index)}/tags/list?n=1000"
            while url is not None:
                answer = client.get(url, headers={"Accept": "application/json"})
                answer.raise_for_status()
                tags += len(answer.json()["tags"] or [])
                link = answer.links.get("next", {}).get("url")
                url = link or None
    return time.perf_counter() - began, repos, tags


def child(argv: Sequence[str]) -> None:
    """``scan-child TOOL HOST REPOS WORKDIR``: one scan, its facts as JSON on stdout."""
    tool, host, repos, workdir = argv[0], argv[1], int(argv[2]), Path(argv[3])
    if tool == "trueup":
        config = workdir / "images.yaml"
        config.write_text(scanner_config(host, repos))
        store = workdir / "scan.db"
        store.unlink(missing_ok=True)
        # Imports and the store's schema come before the measured part, as in the daemon.
        importlib.import_module("trueup.daemon.images")
        importlib.import_module("trueup.store")

        rss = _rss_mib()
        seconds, scanned, tags = asyncio.run(_scan_with_trueup(config, store))
    else:
        rss = _rss_mib()
        seconds, scanned, tags = _scan_with_httpx(host, repos)
    print(json.dumps({"seconds": seconds, "rss_before_mib": rss, "repos": scanned, "tags": tags}))


@dataclass(frozen=True, slots=True)
class ScanSample:
    """One scan by one tool."""

    seconds: float
    requests: int
    peak_mib: float
    rss_before_mib: float
    cpu_seconds: float
    tags: int


def scan_once(tool: str, registry: Registry, repos: int, workdir: Path) -> ScanSample:
    """Run one scan by ``tool`` in a child process and measure it."""
    workdir.mkdir(parents=True, exist_ok=True)
    log = workdir / f"{tool}.out"
    before = registry.requests()
    argv = [sys.executable, "-m", "benchmarks.images", "scan-child", tool, registry.host]
    # The child finds this package wherever the parent was started from.
    path = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p)
    env = {**os.environ, "PYTHONPATH": path}
    sample = run_measured([*argv, str(repos), str(workdir)], log=log, env=env)
    time.sleep(0.2)  # the access log is written after the answer
    facts = json.loads(log.read_text().strip().splitlines()[-1])
    if facts["repos"] != repos:
        raise RuntimeError(f"{tool} scanned {facts['repos']} of {repos} repositories")
    return ScanSample(
        seconds=facts["seconds"],
        requests=registry.requests() - before,
        peak_mib=sample.peak_mib,
        rss_before_mib=facts["rss_before_mib"],
        cpu_seconds=sample.cpu_seconds,
        tags=facts["tags"],
    )


def median_sample(samples: Sequence[ScanSample]) -> ScanSample:
    """The median of each measure taken separately."""
    return ScanSample(
        seconds=statistics.median(s.seconds for s in samples),
        requests=round(statistics.median(s.requests for s in samples)),
        peak_mib=statistics.median(s.peak_mib for s in samples),
        rss_before_mib=statistics.median(s.rss_before_mib for s in samples),
        cpu_seconds=statistics.median(s.cpu_seconds for s in samples),
        tags=samples[0].tags,
    )


def scan_bench(
    registry: Registry, repos: int, repeat: int, workdir: Path, progress: Progress
) -> dict[str, ScanSample]:
    """Medians of ``repeat`` scans by each tool, taking turns, after one unmeasured pass
    (so that no tool pays alone for the registry's first reads of its storage)."""
    progress("an unmeasured pass over every tag list first")
    _scan_with_httpx(registry.host, repos)
    runs: dict[str, list[ScanSample]] = {tool: [] for tool in TOOLS}
    for n in range(repeat):
        for tool in TOOLS:
            progress(f"scan {n + 1}/{repeat}: {TOOLS[tool]}")
            runs[tool].append(scan_once(tool, registry, repos, workdir / f"{tool}-{n}"))
    return {tool: median_sample(samples) for tool, samples in runs.items()}


# -- a new tag until it runs -----------------------------------------------------------------

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: NAME
spec:
  replicas: 2
  selector: {matchLabels: {app: NAME}}
  template:
    metadata: {labels: {app: NAME}}
    spec:
      containers:
        - name: NAME
          image: IMAGE:1.0.0 # {"$imagepolicy": "default:NAME"}
"""

CASES = {"interval": "scanned on its interval", "receiver": "woken by the registry's Receiver"}
"""The two images of the tag-to-running part, by name (also their Deployment's)."""


def _git(*args: str, cwd: Path) -> str:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "bench",
        "GIT_AUTHOR_EMAIL": "bench@trueup.invalid",
        "GIT_COMMITTER_NAME": "bench",
        "GIT_COMMITTER_EMAIL": "bench@trueup.invalid",
    }
    done = subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True)
    return done.stdout.decode()


@dataclass
class DeployResults:
    """Seconds from each push until its Deployment ran the new image, per case."""

    interval_s: float
    latencies: dict[str, list[float]] = field(default_factory=lambda: {c: [] for c in CASES})


def deploy_config(bare: Path, host: str, interval: float) -> str:
    """The GitSource, two Apps, images, policies, one ImageUpdate and the Receiver."""

    def doc(kind: str, name: str, spec: dict[str, object]) -> dict[str, object]:
        return {"apiVersion": "trueup.dev/v1alpha1", "kind": kind, "metadata": {"name": name},
                "spec": spec}  # fmt: skip

    scans = {"interval": f"{interval:g}s", "receiver": "1h"}
    docs = [
        doc("GitSource", "deploy", {"url": f"file://{bare}", "interval": "1h", "write": {}}),
        doc("ImageUpdate", "deploy", {"source": "deploy", "path": "apps", "interval": "1h"}),
        doc("Receiver", "registry", {"type": "registry", "secretRef": {"name": "hook"},
                                     "imageRepositories": ["receiver"]}),
        {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "hook"},
         "stringData": {"token": TOKEN}},
    ]  # fmt: skip
    for case in CASES:
        docs += [
            doc("ImageRepository", case, {"image": f"{host}/bench/{case}", "insecure": True,
                                          "interval": scans[case], "timeout": "10s"}),
            doc("ImagePolicy", case, {"imageRepository": case,
                                      "policy": {"semver": {"range": "1.x"}}}),
            doc("App", case, {"source": "deploy", "path": f"apps/{case}",
                              "namespace": "images-bench", "interval": "1h"}),
        ]  # fmt: skip
    return yaml.safe_dump_all(docs, sort_keys=False)


def pods_running(kubeconfig: Path, case: str, image: str) -> bool:
    """Every pod of the case's Deployment runs ``image`` and is Running; no other pods."""
    out = subprocess.run(
        [
            "kubectl",
            f"--kubeconfig={kubeconfig}",
            "-n",
            "images-bench",
            "get",
            "pods",
            "-l",
            f"app={case}",
            "-o",
            "jsonpath={range .items[*]}{.spec.containers[0].image} {.status.phase} "
            "{.metadata.deletionTimestamp}{'\\n'}{end}",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    pods = [line.split() for line in out.splitlines() if line.strip()]
    return len(pods) == 2 and all(p[:2] == [image, "Running"] and len(p) == 2 for p in pods)


def deploy_bench(
    registry: Registry,
    kubeconfig: Path,
    workdir: Path,
    listen_port: int,
    interval: float,
    pushes: int,
    progress: Progress,
) -> DeployResults:
    """``pushes`` new tags for each case, each timed until its pods run it."""
    results = DeployResults(interval)
    bare, work = workdir / "deploy.git", workdir / "deploy"
    _git("init", "--quiet", "--bare", "--initial-branch=main", str(bare), cwd=workdir)
    _git("init", "--quiet", "--initial-branch=main", str(work), cwd=workdir)
    for case in CASES:
        registry.push(f"bench/{case}", "1.0.0")
        folder = work / "apps" / case
        folder.mkdir(parents=True)
        image = f"{registry.host}/bench/{case}"
        text = DEPLOYMENT.replace("NAME", case).replace("IMAGE", image)
        (folder / "deployment.yaml").write_text(text)
    _git("add", ".", cwd=work)
    _git("commit", "--quiet", "-m", "Two apps", cwd=work)
    _git("push", "--quiet", str(bare), "main", cwd=work)
    subprocess.run(
        ["kubectl", f"--kubeconfig={kubeconfig}", "create", "namespace", "images-bench"],
        check=True,
        capture_output=True,
    )
    config = workdir / "trueup.yaml"
    config.write_text(deploy_config(bare, registry.host, interval))
    argv = [
        *trueup_command(),
        f"--config={config}",
        f"--store={workdir / 'trueup.db'}",
        f"--kubeconfig={kubeconfig}",
        "serve",
        f"--listen=127.0.0.1:{listen_port}",
        "--log-format=json",
    ]
    env = {**os.environ, "TRUEUP_CACHE_DIR": str(workdir / "cache")}
    progress("starting trueup serve with two images to follow")
    daemon = Daemon(argv, workdir / "serve.log", env)
    try:
        wait_until(lambda: len(daemon.synced) >= len(CASES), 300, "both apps reconciled")
        for case in CASES:
            first = f"{registry.host}/bench/{case}:1.0.0"
            wait_until(functools.partial(pods_running, kubeconfig, case, first), 300, case)
        for case, what in CASES.items():
            progress(f"tag to running, {what}: {pushes} pushes")
            for n in range(1, pushes + 1):
                tag = f"1.0.{n}"
                registry.push(f"bench/{case}", tag)
                pushed = time.monotonic()
                image = f"{registry.host}/bench/{case}:{tag}"
                running = functools.partial(pods_running, kubeconfig, case, image)
                wait_until_fast(running, 300, image)
                results.latencies[case].append(time.monotonic() - pushed)
    finally:
        daemon.stop()
    return results


def wait_until_fast(condition: Callable[[], bool], timeout: float, what: str) -> None:
    """Return once ``condition`` holds, checked every 0.2 s."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise RuntimeError(f"timed out after {timeout:.0f}s waiting for {what}")


# -- the report --------------------------------------------------------------------------------


@dataclass
class Results:
    """What one run measured (see the module)."""

    repos: int
    tags: int
    repeat: int
    scans: dict[str, ScanSample]
    deploy: DeployResults | None = None


def report(r: Results, facts: dict[str, str], command: str) -> str:
    """The generated part of docs/benchmarks.md for this benchmark."""
    lines = [BEGIN, "", f"Command: `{command}`", ""]
    lines += [f"- {name}: {value}" for name, value in facts.items()]
    trueup = r.scans["trueup"]
    peers = [tool for tool in TOOLS if tool != "trueup" and tool in r.scans]
    heads = ["measure", TOOLS["trueup"]]
    for peer in peers:
        heads += [TOOLS[peer], "ratio"]
    lines += [
        "",
        f"**Scan: {r.repos:,} repositories of {r.tags:,} tags each** (medians of {r.repeat} runs, "
        "each in a process of its own)",
        "",
        "| " + " | ".join(heads) + " |",
        "| --- |" + " ---: |" * (len(heads) - 1),
    ]

    def row(name: str, cell: Callable[[ScanSample], float], fmt: str) -> str:
        cells = [name, format(cell(trueup), fmt)]
        for peer in peers:
            value = cell(r.scans[peer])
            ratio = f"{cell(trueup) / value:.2f}x" if value else "n/a"
            cells += [format(value, fmt), ratio]
        return "| " + " | ".join(cells) + " |"

    lines += [
        row("wall time of the scan, s", lambda s: s.seconds, ".2f"),
        row("HTTP requests the registry received", lambda s: s.requests, ",d"),
        row("peak resident memory, MiB", lambda s: s.peak_mib, ".0f"),
        row("resident memory before the scan, MiB", lambda s: s.rss_before_mib, ".0f"),
        row("CPU seconds of the process", lambda s: s.cpu_seconds, ".2f"),
        row("tags read", lambda s: s.tags, ",d"),
        "",
    ]
    if r.deploy is not None:
        d = r.deploy
        aim = d.interval_s + AIM_SLACK
        lines += [
            f"**Tag to running** (a new tag pushed until every pod of its Deployment runs it "
            f"on the dev-cluster; aim: under the scan interval {d.interval_s:g} s + "
            f"{AIM_SLACK:g} s = {aim:g} s)",
            "",
            "| case | pushes | p50 s | max s | within the aim |",
            "| --- | ---: | ---: | ---: | ---: |",
        ]
        for case, what in CASES.items():
            values = d.latencies.get(case, [])
            if not values:
                continue
            within = sum(1 for v in values if v < aim)
            lines.append(
                f"| {what} | {len(values)} | {percentile(values, 0.5):.2f} | "
                f"{max(values):.2f} | {within} of {len(values)} |"
            )
        lines.append("")
    lines.append(END)
    return "\n".join(lines)


def run(
    args: argparse.Namespace, workdir: Path, progress: Progress, facts: dict[str, str]
) -> Results:
    """Both parts, on a registry and (for the second) a dev-cluster of their own; the
    machine's facts go into ``facts``."""
    listen_port = free_port()
    notify = None if args.no_deploy else listen_port
    with running_registry(workdir / "registry", notify_port=notify) as registry:
        fill(registry, args.repos, args.tags, progress)
        scans = scan_bench(registry, args.repos, args.repeat, workdir / "scans", progress)
        results = Results(args.repos, args.tags, args.repeat, scans)
        if args.no_deploy:
            return results
        from trueup.devcluster import DevCluster

        cluster = DevCluster(workdir / "cluster")
        try:
            cluster.up(progress, nodes=3)
            facts.update(machine_facts(cluster.kubeconfig))
            deploy_dir = workdir / "deploy"
            deploy_dir.mkdir()
            results.deploy = deploy_bench(
                registry,
                cluster.kubeconfig,
                deploy_dir,
                listen_port,
                args.interval,
                args.pushes,
                progress,
            )
        finally:
            cluster.down(progress)
    return results


def main(argv: Sequence[str] | None = None) -> None:
    """Parse the options, run both parts, print and write the report."""
    given = list(sys.argv[1:] if argv is None else argv)
    if given[:1] == ["scan-child"]:
        child(given[1:])
        return
    parser = argparse.ArgumentParser(prog="python -m benchmarks.images", description=__doc__)
    parser.add_argument("--repos", type=int, default=100)
    parser.add_argument("--tags", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--interval", type=float, default=10, help="Scan interval, seconds.")
    parser.add_argument("--pushes", type=int, default=5, help="New tags per case.")
    parser.add_argument("--no-deploy", action="store_true", help="Skip tag to running.")
    parser.add_argument("--output", type=Path, help="Markdown file to write the results into.")
    parser.add_argument("--keep", action="store_true", help="Keep the work directory (logs).")
    args = parser.parse_args(given)

    def progress(message: str) -> None:
        print(f"• {message}", file=sys.stderr, flush=True)

    signal.signal(signal.SIGTERM, lambda _signal, _frame: sys.exit(143))
    workdir = Path(tempfile.mkdtemp(prefix="trueup-bench-images-"))
    facts = {"trueup commit": source_commit(), "CPU": f"{os.cpu_count()} cores"}
    try:
        results = run(args, workdir, progress, facts)
    finally:
        if args.keep:
            progress(f"logs kept in {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    command = "python -m benchmarks.images " + " ".join(given)
    text = report(results, facts, command.strip())
    print(text)
    if args.output:
        write_section(args.output, text, begin=BEGIN, end=END)
        progress(f"wrote {args.output}")


if __name__ == "__main__":
    main()

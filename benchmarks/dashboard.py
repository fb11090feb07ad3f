"""The dashboard in headless Chromium with 1,000 Apps under ``trueup serve``.

Run it as ``.venv/bin/python -m benchmarks.dashboard [--apps 1000] [--repos 10]
[--loads 5] [--output docs/benchmarks.md]``. It starts a dev-cluster of its own, makes
``--apps`` Apps of one ConfigMap each in ``--repos`` local Git repositories (the overview
never draws an App's objects, so one object keeps the set-up short without changing what
is measured), starts ``trueup serve`` with an operator ApiToken, waits until every App is
reconciled, logs Debian's Chromium (through chromium-driver, headless, a fixed 1280x800
window) in with the token, and then:

1. **the overview, loaded ``--loads`` times** (medians): the first contentful paint
   (Paint Timing); the time until the app list is usable: every App counted and the first
   page of rows drawn, painted, and the page free to take input (a task posted from the
   animation frame after the list was drawn has run); the server time of the list, the time
   to first byte of the page's ``GET /api/apps`` requests (Resource Timing); the JS heap in
   use afterwards (CDP ``Runtime.getHeapUsage`` after a garbage collection); the longest
   task of the load (``PerformanceObserver``, ``longtask``).
   **Peer**: the same ``GET /api/apps?limit=1000`` the page makes, from a Python client
   (httpx), each load: the data alone, without a browser.
2. **a burst of status updates**: every App suspended through the API at once (32 calls
   in flight), each call making an ``app.suspended`` event the open page receives over
   ``/api/events``; measured from the first call until the page counts every App Suspended,
   the longest frame (``requestAnimationFrame`` deltas) and the longest task during it.
   **Peer**: the time the daemon took to answer every suspend call.

Aims (issue 13): the overview usable in under one second; a burst applied without a frame
longer than 100 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import yaml
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By

from benchmarks import daemon as fleet_module
from benchmarks.daemon import Daemon, _git
from benchmarks.report import machine_facts, write_section
from benchmarks.sync import trueup_command
from benchmarks.workload import configmap
from trueup.devcluster import DevCluster

Progress = Callable[[str], None]
Object = dict[str, Any]
BEGIN = "<!-- benchmarks.dashboard: begin -->"
END = "<!-- benchmarks.dashboard: end -->"
TOKEN_NAME = "bench-operator"  # noqa: S105 - the ApiToken's name
WINDOW = (1280, 800)
"""The browser's window: fixed, so that loads (and screenshots) are alike."""
LIST = "/api/apps?limit=1000"
"""The request the overview makes for up to 1,000 Apps (and the peer repeats)."""
IN_FLIGHT = 32
"""Suspend calls the burst keeps in flight at once."""
WAIT = 600.0

PROBE = """
(() => {
  const probe = window.__probe = {frames: [], tasks: [], drawn: null, usable: null};
  let last = performance.now();
  const frame = (now) => {
    probe.frames.push([now, now - last]);
    last = now;
    requestAnimationFrame(frame);
  };
  requestAnimationFrame(frame);
  try {
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) probe.tasks.push([e.startTime, e.duration]);
    }).observe({type: "longtask", buffered: true});
  } catch (e) {}
  const expected = "All " + %(apps)d;
  const check = () => {
    if (probe.drawn !== null) return;
    const all = document.querySelector('button[data-filter="all"]');
    if (!all || all.textContent !== expected) return;
    if (!document.querySelector("#apps tr[data-app]")) return;
    probe.drawn = performance.now();
    requestAnimationFrame(() => {
      const channel = new MessageChannel();
      channel.port1.onmessage = () => { probe.usable = performance.now(); };
      channel.port2.postMessage(0);
    });
  };
  const watched = {childList: true, subtree: true, characterData: true};
  new MutationObserver(check).observe(document, watched);
})();
"""
"""Installed in every page before its own script: frames, long tasks, and when the list
was drawn (every App counted, rows present) and then usable (see the module)."""

BURST_PROBE = """
const probe = window.__probe;
probe.burst = {start: performance.now(), done: null};
const expected = "Suspended " + arguments[0];
const check = () => {
  const chip = document.querySelector('button[data-filter="Suspended"]');
  if (probe.burst.done === null && chip && chip.textContent === expected) {
    probe.burst.done = performance.now();
  }
};
const watched = {childList: true, subtree: true, characterData: true};
new MutationObserver(check).observe(document, watched);
return probe.burst.start;
"""


@dataclass(frozen=True, slots=True)
class Load:
    """One load of the overview, in milliseconds from navigation (heap in MiB)."""

    fcp_ms: float
    usable_ms: float
    list_server_ms: float
    """Time to first byte of the page's ``GET /api/apps`` requests, summed."""
    heap_mib: float
    longest_task_ms: float
    peer_ms: float
    """The same list fetched by httpx."""


@dataclass(frozen=True, slots=True)
class Burst:
    """The page taking one status update per App."""

    updates: int
    api_ms: float
    """From the first suspend call until the daemon had answered every one (the peer)."""
    applied_ms: float
    """From the first call until the page counted every App Suspended."""
    longest_frame_ms: float
    longest_task_ms: float
    heap_mib: float


@dataclass
class Results:
    """What one run measured (see the module)."""

    apps: int
    loads: list[Load] = field(default_factory=list)
    burst: Burst | None = None


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else 0.0


# ---- the fleet -------------------------------------------------------------------------


@dataclass
class Fleet(fleet_module.Fleet):
    """The daemon benchmark's fleet (its repositories, GitSources and Apps), with the objects
    of each App given by ``objects`` (one ConfigMap by default) and an operator ApiToken."""

    objects: Callable[[int], list[Object]] = field(default=lambda index: [configmap(index)])
    token: str = ""
    prefix: str = "fleet"
    """Of the namespaces, one per repository: ``<prefix>-<repo>``."""

    def namespace(self, repo: int) -> str:
        return f"{self.prefix}-{repo}"

    def make(self) -> None:
        """Write every App's objects into its repository, commit and push."""
        for repo in range(self.repos):
            bare, work = self.bare(repo), self.work(repo)
            _git("init", "--quiet", "--bare", "--initial-branch=main", str(bare), cwd=self.root)
            _git("init", "--quiet", "--initial-branch=main", str(work), cwd=self.root)
        for app in range(self.apps):
            self.write(app, self.objects(app))
        self.commit("The fleet")

    def folder(self, app: int) -> Path:
        return self.work(self.repo_of(app)) / "apps" / f"app-{app:04d}"

    def write(self, app: int, objects: list[Object]) -> None:
        folder = self.folder(app)
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        (folder / "objects.yaml").write_text(yaml.safe_dump_all(objects, sort_keys=False))

    def commit(self, message: str) -> None:
        """Commit and push every repository that changed."""
        for repo in range(self.repos):
            work = self.work(repo)
            _git("add", ".", cwd=work)
            status = subprocess.run(
                ["git", "status", "--porcelain"], cwd=work, capture_output=True, text=True
            )
            if status.stdout.strip():
                _git("commit", "--quiet", "-m", message, cwd=work)
                _git("push", "--quiet", str(self.bare(repo)), "main", cwd=work)

    def documents(self) -> list[Object]:
        """The configuration: the daemon benchmark's, each App on a 1 h interval (nothing
        moves unless the run makes it), and the operator ApiToken with its Secret."""
        docs: list[Object] = list(yaml.safe_load_all(self.config()))
        for doc in docs:
            if doc["kind"] in ("App", "GitSource"):
                doc["spec"]["interval"] = "1h"
        docs.append(
            {
                "apiVersion": "trueup.dev/v1alpha1",
                "kind": "ApiToken",
                "metadata": {"name": TOKEN_NAME},
                "spec": {"role": "operator", "secretRef": {"name": f"{TOKEN_NAME}-token"}},
            }
        )
        docs.append(
            {
                "apiVersion": "v1",
                "kind": "Secret",
                "metadata": {"name": f"{TOKEN_NAME}-token"},
                "stringData": {"token": self.token},
            }
        )
        return docs


@contextmanager
def serving(
    workdir: Path, kubeconfig: Path, fleet: Fleet, docs: list[Object], progress: Progress
) -> Iterator[Daemon]:
    """``trueup serve`` of ``docs`` (the fleet made, its namespaces created), until every
    App of the fleet has been reconciled at least once; stopped on the way out."""
    fleet.make()
    for repo in range(fleet.repos):
        subprocess.run(
            ["kubectl", f"--kubeconfig={kubeconfig}", "create", "namespace", fleet.namespace(repo)],
            check=True,
            capture_output=True,
        )
    config = workdir / "trueup.yaml"
    config.write_text(yaml.safe_dump_all(docs, sort_keys=False))
    config.chmod(0o600)
    argv = [
        *trueup_command(),
        f"--config={config}",
        f"--store={workdir / 'trueup.db'}",
        f"--kubeconfig={kubeconfig}",
        "serve",
        "--listen=127.0.0.1:0",
        "--log-format=json",
    ]
    env = {**os.environ, "TRUEUP_CACHE_DIR": str(workdir / "cache")}
    progress(f"trueup serve with {fleet.apps} Apps")
    served = Daemon(argv, workdir / "serve.log", env)
    try:
        wait_for(lambda: bool(served.url), 120, "trueup serve listening")
        wait_for(lambda: all_reconciled(served.url, fleet.token), WAIT, "every App reconciled")
        yield served
    finally:
        served.stop()


def all_reconciled(url: str, token: str) -> bool:
    """Whether every App has been reconciled at least once (whatever the result)."""
    apps = list_apps(url, token)
    return bool(apps) and all(
        app["lastSync"] != "never" or app["sync"] == "Invalid" for app in apps
    )


def list_apps(url: str, token: str) -> list[Object]:
    """Every App's summary from the API (empty while the daemon cannot answer)."""
    items: list[Object] = []
    after: str | None = ""
    while after is not None:
        query = {"limit": "1000", **({"continue": after} if after else {})}
        answer = httpx.get(url + "/api/apps", params=query, headers=bearer(token), timeout=60)
        if answer.status_code != 200:
            return []
        page = answer.json()
        items += page["items"]
        after = page["continue"]
    return items


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def wait_for(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.5)
    raise RuntimeError(f"timed out after {timeout:.0f}s waiting for {what}")


# ---- the browser -------------------------------------------------------------------------


def open_browser() -> webdriver.Chrome:
    """Debian's Chromium through its chromium-driver, headless, in a :data:`WINDOW` window."""
    chromium, driver = shutil.which("chromium"), shutil.which("chromedriver")
    if not chromium or not driver:
        raise RuntimeError("install the Debian packages chromium and chromium-driver (make setup)")
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for argument in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--hide-scrollbars",
        f"--window-size={WINDOW[0]},{WINDOW[1]}",
    ):
        options.add_argument(argument)
    return webdriver.Chrome(service=Service(driver), options=options)


def log_in(browser: webdriver.Chrome, url: str, token: str) -> None:
    """Log in at ``/login`` with ``token``, as a person would."""
    browser.get(url + "/login")
    browser.find_element(By.CSS_SELECTOR, "#token").send_keys(token)
    browser.find_element(By.CSS_SELECTOR, "#login").click()
    wait_for(lambda: "/login" not in browser.current_url, 60, "the page after login")


def page_wait(browser: webdriver.Chrome, script: str, what: str, timeout: float = WAIT) -> Any:
    """The first truthy value of ``script`` run in the page."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = browser.execute_script(script)
        if value:
            return value
        time.sleep(0.05)
    raise RuntimeError(f"the page never showed {what} (at {browser.current_url})")


def heap_mib(browser: webdriver.Chrome) -> float:
    browser.execute_cdp_cmd("HeapProfiler.collectGarbage", {})
    usage = browser.execute_cdp_cmd("Runtime.getHeapUsage", {})
    return float(usage["usedSize"]) / 2**20


def load_overview(browser: webdriver.Chrome, url: str, token: str) -> Load:
    """Load ``/`` once and read what the probe saw; then fetch the list with httpx."""
    browser.get(url + "/")
    usable = page_wait(browser, "return window.__probe && window.__probe.usable", "the list usable")
    timings = browser.execute_script(
        "const paint = performance.getEntriesByName('first-contentful-paint')[0];"
        "const lists = performance.getEntriesByType('resource')"
        "  .filter(e => new URL(e.name).pathname === '/api/apps');"
        "return {fcp: paint ? paint.startTime : 0,"
        " server: lists.reduce((s, e) => s + (e.responseStart - e.requestStart), 0),"
        " tasks: window.__probe.tasks.filter(t => t[0] <= arguments[0])"
        "  .reduce((m, t) => Math.max(m, t[1]), 0)};",
        usable,
    )
    heap = heap_mib(browser)
    began = time.perf_counter()
    httpx.get(url + LIST, headers=bearer(token), timeout=60).raise_for_status()
    peer = (time.perf_counter() - began) * 1000
    return Load(
        fcp_ms=float(timings["fcp"]),
        usable_ms=float(usable),
        list_server_ms=float(timings["server"]),
        heap_mib=heap,
        longest_task_ms=float(timings["tasks"]),
        peer_ms=peer,
    )


async def suspend_all(url: str, token: str, names: Sequence[str]) -> None:
    """Suspend every App named, :data:`IN_FLIGHT` calls at once."""
    queue = list(names)
    async with httpx.AsyncClient(base_url=url, headers=bearer(token), timeout=120) as client:

        async def worker() -> None:
            while queue:
                name = queue.pop()
                answer = await client.post(
                    f"/api/apps/{name}/suspend", json={"reason": "benchmark burst"}
                )
                answer.raise_for_status()

        await asyncio.gather(*(worker() for _ in range(IN_FLIGHT)))


def burst(browser: webdriver.Chrome, url: str, token: str, names: Sequence[str]) -> Burst:
    """Suspend every App while the overview is open; what the page did meanwhile."""
    browser.get(url + "/")
    page_wait(browser, "return window.__probe && window.__probe.usable", "the list usable")
    page_wait(browser, "return document.body.dataset.live === 'open'", "the live connection")
    start = float(browser.execute_script(BURST_PROBE, len(names)))
    asyncio.run(suspend_all(url, token, names))
    answered = float(browser.execute_script("return performance.now()"))
    done = float(page_wait(browser, "return window.__probe.burst.done", "every App Suspended"))
    seen = browser.execute_script(
        "const [a, b] = [arguments[0], arguments[1]];"
        "const p = window.__probe;"
        "return {frame: p.frames.filter(f => f[0] >= a && f[0] - f[1] <= b)"
        "  .reduce((m, f) => Math.max(m, f[1]), 0),"
        " task: p.tasks.filter(t => t[0] + t[1] >= a && t[0] <= b)"
        "  .reduce((m, t) => Math.max(m, t[1]), 0)};",
        start,
        done,
    )
    return Burst(
        updates=len(names),
        api_ms=answered - start,
        applied_ms=done - start,
        longest_frame_ms=float(seen["frame"]),
        longest_task_ms=float(seen["task"]),
        heap_mib=heap_mib(browser),
    )


def measure(url: str, token: str, apps: int, loads: int, progress: Progress) -> Results:
    """Every measurement of the module against the daemon at ``url``."""
    results = Results(apps)
    names = [app["app"] for app in list_apps(url, token)]
    browser = open_browser()
    try:
        browser.execute_cdp_cmd(
            "Page.addScriptToEvaluateOnNewDocument", {"source": PROBE % {"apps": apps}}
        )
        log_in(browser, url, token)
        for n in range(loads):
            progress(f"overview load {n + 1} of {loads}")
            results.loads.append(load_overview(browser, url, token))
        progress(f"a burst of {len(names)} status updates")
        results.burst = burst(browser, url, token, names)
    finally:
        browser.quit()
    return results


def run(
    workdir: Path,
    kubeconfig: Path,
    apps: int,
    repos: int,
    loads: int,
    progress: Progress,
    prefix: str = "fleet",
) -> Results:
    """Make the fleet (its namespaces named ``<prefix>-<repo>``), serve it, measure."""
    fleet = Fleet(workdir / "repos", apps, repos, token=os.urandom(16).hex(), prefix=prefix)
    fleet.root.mkdir(parents=True)
    with serving(workdir, kubeconfig, fleet, fleet.documents(), progress) as served:
        return measure(served.url, fleet.token, apps, loads, progress)


# ---- the report ----------------------------------------------------------------------------


def _ms(value: float) -> str:
    return f"{value:,.0f} ms"


def _task_ms(value: float) -> str:
    # The Long Tasks API reports only tasks of 50 ms or more: none seen is not 0 ms.
    return _ms(value) if value > 0 else "none of 50 ms or more"


def _ratio(value: float, peer: float) -> str:
    return f"{value / peer:.2f}x" if peer > 0 else "n/a"


def _verdict(ok: bool) -> str:
    return "met" if ok else "**not met**"


def report(r: Results, facts: dict[str, str], command: str) -> str:
    """The benchmark's section of ``docs/benchmarks.md``: medians of the loads, the burst."""
    fcp = median([x.fcp_ms for x in r.loads])
    usable = median([x.usable_ms for x in r.loads])
    peer = median([x.peer_ms for x in r.loads])
    server = median([x.list_server_ms for x in r.loads])
    lines = [BEGIN, "", f"Command: `{command}`", ""]
    lines += [f"- {name}: {value}" for name, value in facts.items()]
    lines += [
        "",
        f"**The overview with {r.apps:,} Apps in headless Chromium ({WINDOW[0]}x{WINDOW[1]}), "
        f"medians of {len(r.loads)} loads.** Peer: `GET {LIST}` from a Python client "
        "(httpx) after each load, the data the page needs without a browser.",
        "",
        "| measure | value | peer | ratio |",
        "| --- | --- | --- | --- |",
        f"| first contentful paint | {_ms(fcp)} | | |",
        f"| app list usable (every App counted, rows drawn, input taken) | {_ms(usable)} "
        f"| {_ms(peer)} | {_ratio(usable, peer)} |",
        f"| server time of the list (time to first byte of `GET /api/apps`) | {_ms(server)} "
        f"| {_ms(peer)} | {_ratio(server, peer)} |",
        "| longest task of the load | "
        f"{_task_ms(median([x.longest_task_ms for x in r.loads]))} | | |",
        f"| JS heap in use after the load | {median([x.heap_mib for x in r.loads]):.1f} MiB | | |",
        "",
        f"Aim, the overview usable in under one second: {_verdict(usable < 1000)}.",
    ]
    if r.burst is not None:
        b = r.burst
        lines += [
            "",
            f"**A burst of {b.updates:,} status updates**: every App suspended through the API, "
            f"{IN_FLIGHT} calls in flight, while the overview is open. Peer: the daemon "
            "answering every call.",
            "",
            "| measure | value | peer | ratio |",
            "| --- | --- | --- | --- |",
            f"| first call until the page counts every App Suspended | {_ms(b.applied_ms)} "
            f"| {_ms(b.api_ms)} | {_ratio(b.applied_ms, b.api_ms)} |",
            f"| longest frame meanwhile | {_ms(b.longest_frame_ms)} | | |",
            f"| longest task meanwhile | {_task_ms(b.longest_task_ms)} | | |",
            f"| JS heap in use afterwards | {b.heap_mib:.1f} MiB | | |",
            "",
            f"Aim, no frame longer than 100 ms: {_verdict(b.longest_frame_ms <= 100)}.",
        ]
    lines += ["", END]
    return "\n".join(lines)


def _progress(message: str) -> None:
    print(f"• {message}", file=sys.stderr, flush=True)


def main(argv: Sequence[str] | None = None) -> None:
    """Parse the options, run on a dev-cluster of its own, print and write the report."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.dashboard", description=__doc__)
    parser.add_argument("--apps", type=int, default=1000)
    parser.add_argument("--repos", type=int, default=10)
    parser.add_argument("--loads", type=int, default=5)
    parser.add_argument("--output", type=Path, help="Markdown file to write the results into.")
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, lambda _signal, _frame: sys.exit(143))
    workdir = Path(tempfile.mkdtemp(prefix="trueup-bench-dashboard-"))
    cluster = DevCluster(workdir / "cluster")
    try:
        cluster.up(_progress)
        facts = machine_facts(cluster.kubeconfig)
        facts["Chromium"] = _chromium_version()
        results = run(workdir, cluster.kubeconfig, args.apps, args.repos, args.loads, _progress)
    finally:
        cluster.down(_progress)
        shutil.rmtree(workdir, ignore_errors=True)
    command = "python -m benchmarks.dashboard " + " ".join(argv or sys.argv[1:])
    text = report(results, facts, command.strip())
    print(text)
    if args.output:
        write_section(args.output, text, begin=BEGIN, end=END)
        _progress(f"wrote {args.output}")


def _chromium_version() -> str:
    chromium = shutil.which("chromium")
    if not chromium:
        return "not installed"
    done = subprocess.run([chromium, "--version"], capture_output=True, text=True, check=False)
    return done.stdout.strip() or "unknown"


if __name__ == "__main__":
    main()

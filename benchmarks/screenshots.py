"""``make screenshots``: the dashboard's pictures in ``docs/images/``, taken from a real run.

Run it as ``.venv/bin/python -m benchmarks.screenshots [--apps 60] [--output docs/images]``.
It lives beside the browser benchmark (:mod:`benchmarks.dashboard`), whose fleet, daemon and
headless Chromium it reuses, and is no part of the test run: it writes into the tree.

It starts a dev-cluster of its own, makes ``--apps`` Apps in three local Git repositories,
serves them with ``trueup serve`` and brings them into a mix of states, by the tenth:

- 0, 1, 2, 4: Synced and Healthy (a ConfigMap and a Deployment, whose ReplicaSet and Pod
  the tree shows);
- 3: Degraded (the Deployment's pods fit no node, and its progress deadline is short);
- 5: Progressing (pods that fit no node, a deadline far away);
- 6: pinned by a rollback to the first commit after a second one was deployed;
- 7: failed (a ConfigMap with a field the API server refuses);
- 8: Drifted (``selfHeal: false``, then a ``kubectl patch`` of a field Git declares);
- 9: Suspended through the API;

and one App whose GitSource does not exist (Invalid). Then, in headless Chromium at a fixed
1280x1000, it saves ``overview.png`` (the overview), ``app.png`` (a drifted App's page) and
``diff.png`` (that App's diff, unified).
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from selenium import webdriver
from selenium.webdriver.common.by import By

from benchmarks.dashboard import (
    Fleet,
    Object,
    bearer,
    list_apps,
    log_in,
    open_browser,
    page_wait,
    serving,
    wait_for,
)
from benchmarks.workload import configmap, deployment
from trueup.devcluster import DevCluster

REPOS = 3
WINDOW = (1280, 1000)
"""The browser's window for the pictures: fixed, tall enough for ten rows of the overview."""
NOWHERE = {"trueup.dev/screenshots": "no-such-node"}
"""A node selector no node matches: the Deployment's pods stay Pending."""


def role(index: int) -> int:
    """Which state App ``index`` is brought into (see the module)."""
    return index % 10


def unschedulable(index: int, deadline: int) -> Object:
    """A Deployment whose pods fit no node, reported failed after ``deadline`` seconds."""
    made = deployment(index)
    made["spec"]["progressDeadlineSeconds"] = deadline
    made["spec"]["template"]["spec"]["nodeSelector"] = NOWHERE
    return made


def objects(index: int) -> list[Object]:
    """App ``index``'s objects in Git."""
    kind = role(index)
    if kind == 3:
        return [configmap(index), unschedulable(index, 10)]
    if kind == 5:
        return [configmap(index), unschedulable(index, 3600)]
    if kind == 7:
        refused = configmap(index)
        refused["spec"] = {"replicas": 1}  # not a field of a ConfigMap: a strict dry run fails
        return [refused]
    return [configmap(index), deployment(index)]


def documents(fleet: Fleet) -> list[Object]:
    """The fleet's configuration with the drifted Apps detect-only, and one Invalid App."""
    docs = fleet.documents()
    for doc in docs:
        if doc["kind"] == "App" and role(int(doc["metadata"]["name"].split("-")[1])) == 8:
            doc["spec"]["selfHeal"] = False
    docs.append(
        {
            "apiVersion": "trueup.dev/v1alpha1",
            "kind": "App",
            "metadata": {"name": "legacy-billing", "labels": {"team": "billing"}},
            "spec": {"source": "billing-repo", "path": "apps/billing", "namespace": "billing"},
        }
    )
    return docs


def named(fleet: Fleet, kind: int) -> list[str]:
    return [f"app-{i:04d}" for i in range(fleet.apps) if role(i) == kind]


def summaries(url: str, token: str) -> dict[str, Object]:
    return {app["app"]: app for app in list_apps(url, token)}


def bring_into_states(url: str, fleet: Fleet, kubeconfig: Path, progress: Any) -> None:
    """Suspend, drift and pin the Apps whose role says so; wait for the degraded ones.

    The drift comes before the second commit: an App that has not applied its source's
    newest revision applies it at its next reconcile, which would revert the drift.
    """
    client = httpx.Client(base_url=url, headers=bearer(fleet.token), timeout=300)
    progress("suspending, and drifting with kubectl")
    for name in named(fleet, 9):
        client.post(
            f"/api/apps/{name}/suspend", json={"reason": "maintenance window"}
        ).raise_for_status()
    for name in named(fleet, 8):
        index = int(name.split("-")[1])
        namespace = fleet.namespace(fleet.repo_of(index))
        subprocess.run(
            [
                "kubectl",
                f"--kubeconfig={kubeconfig}",
                "-n",
                namespace,
                "patch",
                "configmap",
                f"settings-{index:05d}",
                "--field-manager=kubectl-edit",
                "-p",
                '{"data": {"LOG_LEVEL": "debug", "TIMEOUT_SECONDS": "5"}}',
            ],
            check=True,
            capture_output=True,
        )
    wait_for(
        lambda: all(
            summaries(url, fleet.token)[name]["sync"].startswith("Drifted")
            for name in named(fleet, 8)
        ),
        300,
        "the drifted Apps reported",
    )
    pinned = named(fleet, 6)
    first = {name: summaries(url, fleet.token)[name]["revision"] for name in pinned}
    progress("a second commit for the Apps to be pinned, then a rollback to the first")
    for name in pinned:
        index = int(name.split("-")[1])
        changed = configmap(index)
        changed["data"]["LOG_LEVEL"] = "debug"
        fleet.write(index, [changed, deployment(index)])
    fleet.commit("Log at debug level")
    for repo in range(fleet.repos):
        client.post(f"/api/sources/-/repo-{repo}/refresh").raise_for_status()
    wait_for(
        lambda: all(
            summaries(url, fleet.token)[name]["revision"] != first[name] for name in pinned
        ),
        300,
        "the second commit applied",
    )
    for name in pinned:
        answer = client.post(
            f"/api/apps/{name}/rollback",
            json={"revision": first[name], "reason": "debug logging floods the disk"},
        )
        answer.raise_for_status()
    wait_for(
        lambda: all(
            summaries(url, fleet.token)[name]["health"] == "Degraded" for name in named(fleet, 3)
        ),
        300,
        "the degraded Apps reported",
    )
    client.close()


def shoot(browser: webdriver.Chrome, url: str, fleet: Fleet, output: Path) -> list[Path]:
    """The overview, a drifted App's page and its diff, as PNG files in ``output``."""
    output.mkdir(parents=True, exist_ok=True)
    browser.set_window_size(*WINDOW)
    browser.get(url + "/")
    page_wait(browser, "return document.body.dataset.live === 'open'", "the live overview")
    page_wait(
        browser,
        "return document.querySelectorAll('#apps tr[data-app]').length > 20",
        "the Apps listed",
    )
    settle(browser)
    saved = [output / "overview.png"]
    browser.save_screenshot(str(saved[-1]))
    drifted = named(fleet, 8)[0]
    browser.get(f"{url}/apps/{drifted}")
    page_wait(browser, "return document.querySelectorAll('#tree li').length > 2", "the tree")
    page_wait(browser, "return document.querySelector('#diff .diff-entry')", "the diff")
    page_wait(browser, "return document.querySelector('#history tbody tr')", "the history")
    settle(browser)
    saved.append(output / "app.png")
    browser.save_screenshot(str(saved[-1]))
    saved.append(output / "diff.png")
    diff = browser.find_element(By.CSS_SELECTOR, "#diff")
    # A picture of an element is cut to the window: bring the whole diff into it first.
    browser.execute_script("arguments[0].scrollIntoView({block: 'start'})", diff)
    time.sleep(0.5)
    saved[-1].write_bytes(diff.screenshot_as_png)
    return saved


def settle(browser: webdriver.Chrome) -> None:
    """Let the page finish drawing (fonts, the last frame) before the picture."""
    browser.execute_script("window.scrollTo(0, 0)")
    time.sleep(1)


def run(workdir: Path, kubeconfig: Path, apps: int, output: Path, progress: Any) -> list[Path]:
    fleet = Fleet(workdir / "repos", apps, REPOS, objects=objects, token=os.urandom(16).hex())
    fleet.root.mkdir(parents=True)
    with serving(workdir, kubeconfig, fleet, documents(fleet), progress) as served:
        bring_into_states(served.url, fleet, kubeconfig, progress)
        browser = open_browser()
        try:
            log_in(browser, served.url, fleet.token)
            return shoot(browser, served.url, fleet, output)
        finally:
            browser.quit()


def _progress(message: str) -> None:
    print(f"• {message}", file=sys.stderr, flush=True)


def main(argv: list[str] | None = None, progress: Callable[[str], None] = _progress) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.screenshots", description=__doc__)
    parser.add_argument("--apps", type=int, default=60)
    parser.add_argument("--output", type=Path, default=Path("docs/images"))
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, lambda _signal, _frame: sys.exit(143))
    workdir = Path(tempfile.mkdtemp(prefix="trueup-screenshots-"))
    cluster = DevCluster(workdir / "cluster")
    try:
        cluster.up(progress)
        saved = run(workdir, cluster.kubeconfig, args.apps, args.output, progress)
    finally:
        cluster.down(progress)
        shutil.rmtree(workdir, ignore_errors=True)
    for path in saved:
        progress(f"saved {path} ({path.stat().st_size // 1024} KiB)")


if __name__ == "__main__":
    main()

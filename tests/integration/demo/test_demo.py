"""``trueup demo`` (``make demo``) from nothing: a cluster, a repository, a synced app, and
steps that work when a user follows them, the dashboard included: logged in with the token
the demo prints, a browser shows the app, its tree, its history and a ``kubectl edit``."""

from __future__ import annotations

import json
import os
import re
import stat
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.integration.dashboard.browser import Browser
from trueup.cli import demo_daemon
from trueup.devcluster import DevCluster

pytestmark = pytest.mark.cluster


def run(
    args: list[str], env: dict[str, str], cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, env=env, cwd=cwd, capture_output=True, text=True, timeout=600)


def test_the_demo_syncs_its_app_and_its_printed_steps_apply_a_commit(tmp_path: Path) -> None:
    state = tmp_path / "state"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TRUEUP_", "KUBE"))}
    env["XDG_STATE_HOME"] = str(state)
    trueup = [sys.executable, "-m", "trueup"]
    try:
        demo = run([*trueup, "demo"], env)
        assert demo.returncode == 0, demo.stderr
        assert "Traceback" not in demo.stderr
        row = next(line for line in demo.stdout.splitlines() if line.startswith("web "))
        assert "Synced" in row
        assert "Healthy" in row

        root = state / "trueup" / "demo"
        env["TRUEUP_CONFIG"] = str(root / "trueup.yaml")
        env["TRUEUP_STORE"] = str(root / "trueup.db")
        env["KUBECONFIG"] = str(state / "trueup" / "dev-cluster" / "kubeconfig")
        assert f"export TRUEUP_CONFIG={env['TRUEUP_CONFIG']}" in demo.stdout
        # The printed token, also in the file the printed export reads; both files hold it
        # for the user alone.
        token = printed(r"log in with the operator token: (\S+)", demo.stdout)
        token_file = Path(printed(r"export TRUEUP_TOKEN=\$\(cat (\S+)\)", demo.stdout))
        assert token_file.read_text().strip() == token
        for private in (token_file, root / "trueup.yaml"):
            assert stat.S_IMODE(private.stat().st_mode) == 0o600, private
        env["TRUEUP_TOKEN"] = token_file.read_text().strip()
        work = root / "deploy"
        manifest = work / "apps" / "web" / "deployment.yaml"
        manifest.write_text(manifest.read_text().replace("replicas: 2", "replicas: 4"))
        for step in (["git", "commit", "-qam", "Scale web to 4"], ["git", "push", "-q"]):
            assert run(step, env, cwd=work).returncode == 0

        # The push's hook told the daemon the demo left running: it applies the commit.
        deadline = time.monotonic() + 120
        replicas = ""
        while time.monotonic() < deadline and replicas != "4":
            get = [
                "kubectl",
                "-n",
                "demo",
                "get",
                "deployment",
                "web",
                "-o",
                "jsonpath={.spec.replicas}",
            ]
            replicas = run(get, env).stdout
            time.sleep(0.5)
        assert replicas == "4", (root / "serve.log").read_text()
        history = run([*trueup, "history", "web", "-o", "json"], env)
        assert history.returncode == 0, history.stderr
        assert json.loads(history.stdout)[0]["trigger"] == "webhook:demo-push"
        # The printed API step answers with the App as the daemon sees it, with the token
        # (and only with it).
        line = next(line for line in demo.stdout.splitlines() if "curl -s " in line)
        url = next(word for word in line.split() if word.startswith("http://"))
        assert 'Authorization: Bearer $TRUEUP_TOKEN"' in line
        assert httpx.get(url, timeout=30).status_code == 401
        answer = httpx.get(url, headers={"Authorization": f"Bearer {token}"}, timeout=30)
        assert answer.status_code == 200, answer.text
        assert answer.json()["app"]["app"] == "web"
        dashboard = printed(r"Open the dashboard: (http://\S+/)", demo.stdout)
        see_the_dashboard(dashboard, token, env)
        # The printed sync puts Git's replicas back, through the daemon, as the token's name.
        sync = run([*trueup, "sync", "web"], env)
        assert sync.returncode == 0, sync.stderr
        assert run(get, env).stdout == "4"
        history = run([*trueup, "history", "web", "-o", "json"], env)
        assert json.loads(history.stdout)[0]["trigger"] == "api:demo"
        events = run([*trueup, "events", "web", "-o", "json"], env)
        assert events.returncode == 0, events.stderr
        assert "reconcile.succeeded" in events.stdout
        stop = run([*trueup, "demo", "--stop"], env)
        assert stop.returncode == 0, stop.stderr
        assert "stopped trueup serve" in stop.stderr + stop.stdout
        assert not (root / "serve.pid").exists()
    finally:
        demo_daemon.stop(state / "trueup" / "demo")
        DevCluster(state / "trueup" / "dev-cluster").down(progress=lambda _message: None)


def printed(pattern: str, stdout: str) -> str:
    """The first group of ``pattern`` in the demo's output."""
    found = re.search(pattern, stdout)
    assert found, f"the demo did not print {pattern!r}:\n{stdout}"
    return found[1]


def see_the_dashboard(url: str, token: str, env: dict[str, str]) -> None:
    """Log in with the printed token; see the app, its tree and history, then the diff of
    the printed ``kubectl edit`` (run with an editor that changes the replicas)."""
    browser = Browser.open()
    try:
        browser.get(url)
        browser.wait(lambda: "/login" in browser.url, "the login page")
        browser.find("#token").send_keys(token)
        browser.click("#login")
        sync = 'tr[data-app="web"] [data-role="sync"]'
        browser.wait(lambda: browser.text(sync) == "Synced", "the web App Synced")
        assert browser.text('tr[data-app="web"] [data-role="health"]') == "Healthy"
        browser.click('tr[data-app="web"] a')
        browser.wait(lambda: browser.all('#tree li[data-object="Deployment/demo/web"]'), "the tree")
        browser.wait(lambda: "Scale web to 4" in browser.text("#history"), "the history")
        assert "webhook:demo-push" in browser.text("#history")
        browser.wait(lambda: browser.all("#no-diff"), "an empty diff")

        edit = run(
            ["kubectl", "-n", "demo", "edit", "deployment", "web"],
            {**env, "KUBE_EDITOR": "sed -i -e 's/^  replicas: 4$/  replicas: 1/'"},
        )
        assert edit.returncode == 0, edit.stderr
        entry = '#diff .diff-entry[data-object="Deployment/demo/web"]'
        browser.wait(lambda: "replicas" in browser.text(entry), "the edit in the diff")
        assert browser.js("return document.body.dataset.live") == "open"
    finally:
        browser.close()

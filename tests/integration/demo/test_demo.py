"""``trueup demo`` (``make demo``) from nothing: a cluster, a repository, a synced app, and
steps that work when a user follows them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

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
        # The printed API step answers with the App as the daemon sees it.
        url = next(
            word
            for line in demo.stdout.splitlines()
            if "curl -s " in line
            for word in line.split()
            if word.startswith("http://")
        )
        answer = httpx.get(url, timeout=30)
        assert answer.status_code == 200, answer.text
        assert answer.json()["app"]["app"] == "web"
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

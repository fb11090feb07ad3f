"""``trueup demo``: trueup's main job on the local default, from nothing.

Starts the dev-cluster (building it on first use), makes a demo Git repository holding a
small app (Namespace, ConfigMap, Deployment, Service), syncs it with trueup until it is
Healthy, shows the status, leaves ``trueup serve`` running with a Git hook that tells it
of every push, and tells the user how to change the app with a commit and watch it
arrive. ``trueup demo --stop`` stops the daemon and the cluster. Everything lives under
``$XDG_STATE_HOME/trueup/demo`` (``~/.local/state/trueup/demo``).
"""

from __future__ import annotations

import asyncio
import os
import secrets
import shutil
import subprocess
from importlib import resources
from pathlib import Path

from trueup.cli import demo_daemon
from trueup.cli.demo_daemon import RECEIVER
from trueup.cli.formats import table
from trueup.cli.output import out, progress
from trueup.cli.session import open_engine, trigger
from trueup.cli.settings import Settings
from trueup.cli.status import STATUS_COLUMNS, status_rows
from trueup.devcluster import DevCluster
from trueup.engine import SyncOptions

APP = "web"


def demo_dir() -> Path:
    """Where the demo keeps its repository, working copy, configuration and history."""
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "trueup" / "demo"


def _git(*args: str, cwd: Path) -> None:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "trueup demo",
        "GIT_AUTHOR_EMAIL": "demo@trueup.invalid",
        "GIT_COMMITTER_NAME": "trueup demo",
        "GIT_COMMITTER_EMAIL": "demo@trueup.invalid",
    }
    subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True)


def make_repository(root: Path) -> tuple[Path, Path]:
    """A bare repository and a working copy with the demo app committed and pushed."""
    shutil.rmtree(root, ignore_errors=True)
    bare, work = root / "deploy.git", root / "deploy"
    bare.mkdir(parents=True)
    _git("init", "--quiet", "--bare", "--initial-branch=main", str(bare), cwd=root)
    _git("clone", "--quiet", str(bare), str(work), cwd=root)
    manifests = resources.files("trueup.cli") / "demo_manifests"
    target = work / "apps" / APP
    target.mkdir(parents=True)
    for entry in manifests.iterdir():
        if entry.name.endswith(".yaml"):
            (target / entry.name).write_text(entry.read_text())
    _git("symbolic-ref", "HEAD", "refs/heads/main", cwd=work)
    _git("config", "user.name", "trueup demo", cwd=work)
    _git("config", "user.email", "demo@trueup.invalid", cwd=work)
    _git("add", ".", cwd=work)
    _git("commit", "--quiet", "-m", "Add the web app", cwd=work)
    _git("push", "--quiet", "origin", "main", cwd=work)
    return bare, work


def write_config(path: Path, bare: Path, token: str) -> None:
    """The demo's trueup configuration: a GitSource, its Receiver and one App."""
    path.write_text(
        f"""apiVersion: trueup.dev/v1alpha1
kind: GitSource
metadata: {{name: demo}}
spec:
  url: file://{bare}
  ref: {{branch: main}}
  interval: 1m
---
apiVersion: trueup.dev/v1alpha1
kind: Receiver
metadata: {{name: {RECEIVER}}}
spec:
  type: generic
  secretRef: {{name: demo-hook}}
  sources: [demo]
---
apiVersion: v1
kind: Secret
metadata: {{name: demo-hook}}
stringData: {{token: {token}}}
---
apiVersion: trueup.dev/v1alpha1
kind: App
metadata: {{name: {APP}}}
spec:
  source: demo
  path: apps/{APP}
  namespace: demo
  prune: true
  wait: true
  timeout: 2m
"""
    )


def demo(*, stop: bool = False) -> None:
    """Start the dev-cluster, sync the demo app, leave the daemon running, show how to use it.

    With ``stop``, stop the demo's daemon and the dev-cluster instead.
    """
    cluster = DevCluster()
    root = demo_dir()
    if stop:
        if demo_daemon.stop(root):
            progress("stopped trueup serve")
        cluster.down(progress)
        return
    cluster.up(progress)
    demo_daemon.stop(root)  # a daemon of an earlier demo would poll a repository made anew
    progress(f"making a demo Git repository in {root}")
    bare, work = make_repository(root)
    config = root / "trueup.yaml"
    token = secrets.token_hex(16)
    write_config(config, bare, token)
    store = root / "trueup.db"
    store.unlink(missing_ok=True)
    settings = Settings(config, store, str(cluster.kubeconfig), None)

    async def run() -> bool:
        async with open_engine(settings, APP) as engine:
            report = await engine.sync(APP, SyncOptions(wait=True, trigger=trigger()), progress)
            rows = await status_rows(engine.store, [APP])
        table(STATUS_COLUMNS, rows)
        return report.ok

    ok = asyncio.run(run())
    progress("starting trueup serve in the background")
    argv = ["--config", str(config), "--store", str(store), "--kubeconfig", str(cluster.kubeconfig)]
    address = demo_daemon.start(root, argv)
    demo_daemon.install_hook(bare, address, token)
    out.print()
    out.print(f"trueup serve is running (http://{address}/metrics; log: {root / 'serve.log'}).")
    out.print(
        "Change the app with a commit: the push sends a webhook and trueup applies it at once."
    )
    steps = (
        f"export TRUEUP_CONFIG={config} TRUEUP_STORE={store}",
        f"export KUBECONFIG={cluster.kubeconfig} PATH=$PWD/.venv/bin:$PATH",
        f"cd {work}",
        "sed -i 's/replicas: 2/replicas: 4/' apps/web/deployment.yaml",
        "git commit -qam 'Scale web to 4' && git push -q && cd -",
        f"trueup history {APP}          # the newest attempt: trigger webhook:{RECEIVER}",
        "kubectl -n demo get deployments,pods",
        f"trueup status; tail {root / 'serve.log'}",
        f"trueup events {APP}           # what the daemon saw and did, from drift to health",
        f"curl -s http://{address}/api/apps/{APP}   # the HTTP API (no ApiToken: loopback only)",
        f"curl -sN http://{address}/api/events      # live events; Ctrl-C to stop",
    )
    for step in steps:
        out.print(f"  {step}")
    out.print("Stop the daemon and the cluster with: make down  (or: trueup demo --stop)")
    if not ok:
        raise SystemExit(1)

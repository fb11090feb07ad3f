"""``trueup demo``: trueup's main job on the local default, from nothing.

Starts the dev-cluster (building it on first use), makes a demo Git repository holding a
small app (Namespace, ConfigMap, Deployment, Service), syncs it with trueup until it is
Healthy, shows the status, and tells the user how to change it with a commit.
Everything lives under ``$XDG_STATE_HOME/trueup/demo`` (``~/.local/state/trueup/demo``).
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
from importlib import resources
from pathlib import Path

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


def write_config(path: Path, bare: Path) -> None:
    """The demo's trueup configuration: one GitSource and one App."""
    path.write_text(
        f"""apiVersion: trueup.dev/v1alpha1
kind: GitSource
metadata: {{name: demo}}
spec:
  url: file://{bare}
  ref: {{branch: main}}
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


def demo() -> None:
    """Start the dev-cluster, sync the demo app to it, and show how to change it."""
    cluster = DevCluster()
    cluster.up(progress)
    root = demo_dir()
    progress(f"making a demo Git repository in {root}")
    bare, work = make_repository(root)
    config = root / "trueup.yaml"
    write_config(config, bare)
    settings = Settings(config, root / "trueup.db", str(cluster.kubeconfig), None)

    async def run() -> bool:
        async with open_engine(settings, APP) as engine:
            report = await engine.sync(APP, SyncOptions(wait=True, trigger=trigger()), progress)
            rows = await status_rows(engine.store, [APP])
        table(STATUS_COLUMNS, rows)
        return report.ok

    ok = asyncio.run(run())
    out.print()
    out.print("The demo app is synced. Change it with a commit and watch trueup apply it:")
    steps = (
        f"export TRUEUP_CONFIG={config} TRUEUP_STORE={root / 'trueup.db'}",
        f"export KUBECONFIG={cluster.kubeconfig} PATH=$PWD/.venv/bin:$PATH",
        f"cd {work}",
        "sed -i 's/replicas: 2/replicas: 4/' apps/web/deployment.yaml",
        "git commit -qam 'Scale web to 4' && git push -q && cd -",
        f"trueup diff {APP}            # exit code 1: there is a difference",
        f"trueup sync {APP} --wait",
        f"trueup history {APP}",
        "kubectl -n demo get deployments,pods",
    )
    for step in steps:
        out.print(f"  {step}")
    out.print("Stop the cluster with: trueup dev-cluster down")
    if not ok:
        raise SystemExit(1)

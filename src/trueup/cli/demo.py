"""``trueup demo``: trueup's main job on the local default, from nothing.

Starts the dev-cluster (building it on first use), makes a demo Git repository holding a
small app (Namespace, ConfigMap, Deployment, Service), syncs it with trueup until it is
Healthy, shows the status, leaves ``trueup serve`` running with a Git hook that tells it
of every push, and tells the user how to change the app with a commit and watch it
arrive. ``trueup demo --stop`` stops the daemon and the cluster. Everything lives under
``$XDG_STATE_HOME/trueup/demo`` (``~/.local/state/trueup/demo``).

Each run makes a new operator ApiToken (``demo``) for the dashboard and the HTTP API: its
token is in the demo's configuration (a Secret) and in ``api-token`` beside it, both
readable by the user alone, and is printed with the dashboard's URL. It is made at the
demo's start and lives only in the demo's state folder, never in a repository. The App
detects drift without correcting it (``selfHeal: false``), so that a ``kubectl edit`` stays
in the dashboard's diff until someone syncs.
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
API_TOKEN = "demo"  # noqa: S105 - the ApiToken's name, not a token
"""The demo's operator ApiToken; the history shows what it does as ``api:demo``."""
TOKEN_FILE = "api-token"  # noqa: S105 - a file name


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


def write_private(path: Path, text: str) -> None:
    """Write ``text`` to ``path``, readable and writable by the user alone (0600)."""
    path.unlink(missing_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        file.write(text)


def write_config(path: Path, bare: Path, token: str, api_token: str) -> None:
    """The demo's trueup configuration: a GitSource, its Receiver, one App, and the
    operator ApiToken of the dashboard and the API (with ``api_token`` in its Secret)."""
    write_private(
        path,
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
  selfHeal: false
  wait: true
  timeout: 2m
---
apiVersion: trueup.dev/v1alpha1
kind: ApiToken
metadata: {{name: {API_TOKEN}}}
spec:
  role: operator
  secretRef: {{name: demo-api-token}}
---
apiVersion: v1
kind: Secret
metadata: {{name: demo-api-token}}
stringData: {{token: {api_token}}}
""",
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
    token, api_token = secrets.token_hex(16), secrets.token_urlsafe(24)
    write_config(config, bare, token, api_token)
    token_file = root / TOKEN_FILE
    write_private(token_file, api_token + "\n")
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
    out.print(f"Open the dashboard: http://{address}/")
    out.print(f"  and log in with the operator token: {api_token}")
    out.print(f"  (also in {token_file}; the CLI and curl below send it from $TRUEUP_TOKEN)")
    out.print(
        "Change the app with a commit: the push sends a webhook and trueup applies it at once."
    )
    auth = '-H "Authorization: Bearer $TRUEUP_TOKEN"'
    steps = (
        f"export TRUEUP_CONFIG={config} TRUEUP_STORE={store}",
        f"export TRUEUP_TOKEN=$(cat {token_file})",
        f"export KUBECONFIG={cluster.kubeconfig} PATH=$PWD/.venv/bin:$PATH",
        f"cd {work}",
        "sed -i 's/replicas: 2/replicas: 4/' apps/web/deployment.yaml",
        "git commit -qam 'Scale web to 4' && git push -q && cd -",
        f"trueup history {APP}          # the newest attempt: trigger webhook:{RECEIVER}",
        "kubectl -n demo get deployments,pods",
        f"trueup status; tail {root / 'serve.log'}",
        f"trueup events {APP}           # what the daemon saw and did, from drift to health",
        f"kubectl -n demo edit deployment {APP}   # change replicas: the dashboard's diff shows it",
        f"trueup sync {APP}             # put Git's value back (or Sync… in the dashboard)",
        f"curl -s {auth} http://{address}/api/apps/{APP}   # the HTTP API",
        f"curl -sN {auth} http://{address}/api/events      # live events; Ctrl-C to stop",
    )
    for step in steps:
        out.print(f"  {step}")
    out.print("Stop the daemon and the cluster with: make down  (or: trueup demo --stop)")
    if not ok:
        raise SystemExit(1)

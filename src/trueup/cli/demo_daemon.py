"""The demo's daemon: ``trueup serve`` started in the background, and the Git hook that
tells it about every push, as a forge would.

The daemon runs detached (its own session, so it outlives ``make demo``), logs to
``serve.log`` and keeps its process id in ``serve.pid`` beside the demo's configuration.
The demo repository's ``post-receive`` hook signs a generic webhook with the Receiver's
secret and posts it to ``/hooks/<receiver>``, so a ``git push`` is applied within a second.
"""

from __future__ import annotations

import os
import re
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

from trueup.errors import TrueupError

RECEIVER = "demo-push"
_LISTENING = re.compile(r"serving .* on http://(\S+)")
_START_TIMEOUT = 60.0
_STOP_TIMEOUT = 60.0

_HOOK = '''#!{python}
"""Tell trueup about each push: a generic webhook signed with the Receiver's secret."""
import hashlib, hmac, json, sys, urllib.request

for line in sys.stdin:
    _old, _new, ref = line.split()
    body = json.dumps({{"ref": ref}}).encode()
    signature = "sha256=" + hmac.new({secret!r}.encode(), body, hashlib.sha256).hexdigest()
    request = urllib.request.Request(
        {url!r}, data=body, method="POST",
        headers={{"Content-Type": "application/json", "X-Signature": signature}},
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as answer:
            print(f"trueup: webhook for {{ref}} answered {{answer.status}}")
    except OSError as e:
        print(f"trueup: webhook for {{ref}} failed: {{e}} (trueup polls again within a minute)")
'''


def start(root: Path, argv: list[str]) -> str:
    """Start ``trueup ARGV serve`` detached, wait until it listens, return its address."""
    stop(root)
    log = root / "serve.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "trueup",
                *argv,
                "serve",
                "--listen",
                "127.0.0.1:0",
                "--log-format",
                "text",
            ],
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=out,
            start_new_session=True,
        )
    (root / "serve.pid").write_text(f"{process.pid}\n")
    deadline = time.monotonic() + _START_TIMEOUT
    while time.monotonic() < deadline:
        if match := _LISTENING.search(log.read_text()):
            return match[1]
        if process.poll() is not None:
            break
        time.sleep(0.1)
    raise TrueupError(f"trueup serve did not start; its log is {log}:\n{log.read_text()[-2000:]}")


def install_hook(bare: Path, address: str, secret: str) -> None:
    """Make the repository's ``post-receive`` hook post each push to the daemon."""
    hook = bare / "hooks" / "post-receive"
    url = f"http://{address}/hooks/{RECEIVER}"
    hook.write_text(_HOOK.format(python=sys.executable, secret=secret, url=url))
    hook.chmod(hook.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)


def stop(root: Path) -> bool:
    """Stop the demo's daemon (SIGTERM, then wait); False when none was running."""
    pidfile = root / "serve.pid"
    try:
        pid = int(pidfile.read_text())
    except (OSError, ValueError):
        return False
    pidfile.unlink(missing_ok=True)
    if not _is_serve(pid):
        return False  # ended long ago; the id may belong to another process by now
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return False
    deadline = time.monotonic() + _STOP_TIMEOUT
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.1)
    os.kill(pid, signal.SIGKILL)
    return True


def _is_serve(pid: int) -> bool:
    try:
        words = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return False
    return b"trueup" in words and b"serve" in words

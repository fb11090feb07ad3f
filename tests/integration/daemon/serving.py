"""``trueup serve`` as a user runs it: a subprocess on a world, its log read line by line.

:class:`Served` starts the daemon with ``--listen 127.0.0.1:0`` and JSON logs, learns the
port from its first log line, and reads every later line into :attr:`Served.events`, so
tests wait for what the daemon says it did, then check the cluster and the store.
"""

from __future__ import annotations

import contextlib
import signal
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

import httpx
import orjson
import yaml

from tests.integration.engine.helpers import SOURCE, World

WAIT = 60.0
"""How long a test waits for something the daemon should do in a second or two."""


def write_config(
    world: World, *, app: Mapping[str, Any] | None = None, source: Mapping[str, Any] | None = None
) -> None:
    """The world's configuration, with the GitSource's spec extended by ``source``."""
    docs = world.documents(app=app)
    for doc in docs:
        if doc["kind"] == "GitSource" and doc["metadata"]["name"] == SOURCE:
            doc["spec"].update(source or {})
    world.config.write_text(yaml.safe_dump_all(docs))


class Served:
    """A running ``trueup serve`` of ``world``; stop it with :meth:`stop` or :meth:`kill`."""

    def __init__(self, world: World, *args: str) -> None:
        self.world = world
        self.process = world.spawn(
            "serve", "--listen", "127.0.0.1:0", "--log-format", "json", *args
        )
        self.events: list[dict[str, Any]] = []
        self.lines: list[str] = []
        self._lock = threading.Lock()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        started = self.wait_for(lambda e: "listen" in e, "the listener")
        self.url = f"http://{started['listen']}"

    def _read(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            with self._lock:
                self.lines.append(line)
                with contextlib.suppress(orjson.JSONDecodeError):
                    self.events.append(orjson.loads(line))

    def wait_for(
        self, match: Callable[[dict[str, Any]], bool], what: str, *, after: int = 0
    ) -> dict[str, Any]:
        """The first event from index ``after`` on that ``match``es; fail after WAIT."""
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline:
            with self._lock:
                for event in self.events[after:]:
                    if match(event):
                        return event
            if self.process.poll() is not None and not self._reader.is_alive():
                break
            time.sleep(0.05)
        raise AssertionError(f"the daemon never logged {what}; its log:\n{''.join(self.lines)}")

    def mark(self) -> int:
        """The number of events so far, to wait for a later one with ``after``."""
        with self._lock:
            return len(self.events)

    def reconciled(self, *, after: int = 0, trigger: str | None = None) -> dict[str, Any]:
        """The next successful reconcile of the App (with that trigger, if given)."""
        return self.wait_for(
            lambda e: (
                e["event"] == "reconcile.succeeded"
                and (trigger is None or e.get("trigger") == trigger)
            ),
            f"a successful reconcile (trigger {trigger})",
            after=after,
        )

    def get(self, path: str) -> httpx.Response:
        """GET ``path`` from the daemon's listener."""
        return httpx.get(self.url + path, timeout=10)

    def reconciles(self, result: str) -> int:
        """How many reconciles ended with ``result`` (``succeeded``, ``compared``, ...), by
        the daemon's ``trueup_reconciles_total``: an interval that finds nothing to do
        only compares and logs nothing."""
        total = 0.0
        for line in self.get("/metrics").text.splitlines():
            if line.startswith("trueup_reconciles_total{") and f'result="{result}"' in line:
                total += float(line.rsplit(" ", 1)[1])
        return int(total)

    def wait_reconciles(self, result: str, count: int) -> None:
        """Wait until ``count`` reconciles more than now ended with ``result``."""
        goal = self.reconciles(result) + count
        deadline = time.monotonic() + WAIT
        while self.reconciles(result) < goal:
            if time.monotonic() > deadline:
                raise AssertionError(f"fewer than {count} reconciles more ended {result}")
            time.sleep(0.1)

    def stop(self, signum: int = signal.SIGTERM) -> int:
        """Signal the daemon to stop and return its exit code."""
        self.process.send_signal(signum)
        code = self.process.wait(timeout=WAIT)
        self._reader.join(timeout=10)
        return code

    def kill(self) -> None:
        """SIGKILL the daemon."""
        self.world.kill(self.process)
        self._reader.join(timeout=10)

    def log(self) -> str:
        """Everything it logged so far."""
        with self._lock:
            return "".join(self.lines)

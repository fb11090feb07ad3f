"""The local forge stub (``trueup.devforge``) on loopback, in a thread of its own.

The same server ``trueup dev-forge`` runs: GitHub's API under ``/api/v3``, GitLab's under
``/api/v4``, Gitea's under ``/api/v1``. Tests talk to it over HTTP like any client, and
read what it holds through :meth:`ForgeStub.statuses`, :meth:`ForgeStub.notes` (run on
the server's loop) or its printed :attr:`ForgeStub.lines`.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Coroutine, Iterator
from typing import Any, TypeVar

import pytest

from trueup.devforge import DevForge, Note, Pull, Status

TOKEN = "stub-token-5f2c1e9a"
T = TypeVar("T")


class ForgeStub:
    """The stub, started by entering the context."""

    def __init__(self, token: str = TOKEN) -> None:
        self.token = token
        self.lines: list[str] = []
        self._lock = threading.Lock()
        self.forge = DevForge(token, self._log)
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self.port = 0

    @property
    def url(self) -> str:
        """``http://127.0.0.1:<port>``: a repository's address is ``<url>/<owner>/<name>``."""
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> ForgeStub:
        self._thread.start()
        self.port = self._run(self.forge.start("127.0.0.1", 0))
        return self

    def __exit__(self, *exc: object) -> None:
        self._run(self.forge.stop())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)

    def seed_pull(self, forge: str, repo: str, head: str, base: str = "main") -> Pull:
        """Open a pull request from ``head`` (as ``--pull`` or the admin call does)."""
        return self._call(lambda: self.forge.seed_pull(forge, repo, head, base))

    def statuses(self, forge: str, repo: str, sha: str) -> list[Status]:
        """Every status posted on ``sha``, oldest first."""
        return list(reversed(self._call(lambda: self.forge.state.statuses(forge, repo, sha))))

    def notes(self, forge: str, repo: str, number: int) -> list[Note]:
        """The comments on pull request ``number``, oldest first."""
        return self._call(lambda: self.forge.state.notes(forge, repo, number))

    def wait_for(self, what: str, check: Callable[[], bool], timeout: float = 90) -> None:
        """Return once ``check()`` holds; fail after ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if check():
                return
            time.sleep(0.1)
        raise AssertionError(f"{what} did not happen; the stub saw: {self.lines[-20:]}")

    def _log(self, line: str) -> None:
        with self._lock:
            self.lines.append(line)

    def _run(self, coro: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout=10)

    def _call(self, fn: Callable[[], T]) -> T:
        async def call() -> T:
            return fn()

        return asyncio.run_coroutine_threadsafe(call(), self._loop).result(timeout=10)


@pytest.fixture
def forge_stub() -> Iterator[ForgeStub]:
    """A fresh local forge stub on a free loopback port."""
    with ForgeStub() as stub:
        yield stub

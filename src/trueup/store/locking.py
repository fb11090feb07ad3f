"""One reconcile of an app at a time: the app's lock, held for an ``async with`` block.

The daemon and the CLI may both reconcile one App, from several processes sharing one
state file. :func:`hold_app_lock` holds the App's lock in the store (a lease, see
``Store.try_lock``) while its block runs:

- a lock whose holder is provably gone (killed, crashed, rebooted: ``Owner.gone``) is
  broken at once; any other holder is waited for, up to ``wait``, and told about once
  through ``on_wait``;
- while the block runs, the lease is renewed every third of its time to live;
- when a renewal finds the lock gone (this process was paused past the lease, or the
  store could not be written to, and someone else took it), the task that entered the
  block is cancelled so that it stops writing, and the block ends with ``TemporaryError``
  instead of a cancellation;
- the lock is released when the block ends, however it ends, even when cancelled.

A lease fences nothing by itself: a process paused past its lease may, once it wakes up,
go on writing beside the new holder until its next renewal (a third of the time to live
later) cancels it. Keep the time to live well above any pause expected.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import secrets
from collections.abc import Callable, Coroutine
from datetime import UTC, datetime, timedelta
from types import TracebackType
from typing import Any, TypeVar

from trueup.errors import TemporaryError, TrueupError
from trueup.store.model import AppLock, lease_end
from trueup.store.owner import Owner
from trueup.store.protocol import Store

T = TypeVar("T")

DEFAULT_TTL = timedelta(seconds=30)
"""How long a lock holds without renewal; a holder renews it every third of that."""
DEFAULT_POLL = timedelta(seconds=0.25)
"""How often a waiter asks again whether the lock is free."""

_BACKGROUND: set[asyncio.Task[Any]] = set()
"""Releases that go on after their caller was cancelled (kept so that none is collected)."""


def utc_now() -> datetime:
    """The current time, timezone-aware in UTC: the default clock of a lease."""
    return datetime.now(UTC)


def describe_holder(lock: AppLock) -> str:
    """Who holds ``lock``, for messages: ``daemon, pid 4242 on build-1``."""
    owner = Owner.parse(lock.owner)
    where = f"pid {owner.pid} on {owner.host}" if owner else (lock.owner or "an unknown process")
    return f"{lock.purpose or 'trueup'}, {where}"


def hold_app_lock(
    store: Store,
    app: str,
    *,
    purpose: str,
    ttl: timedelta = DEFAULT_TTL,
    wait: timedelta | None = None,
    on_wait: Callable[[AppLock], None] | None = None,
    poll: timedelta = DEFAULT_POLL,
    clock: Callable[[], datetime] = utc_now,
    gone: Callable[[Owner], bool] = Owner.gone,
    owner: Owner | None = None,
) -> AppLease:
    """The lock of ``app`` in ``store``, to hold with ``async with ... as lease``.

    ``purpose`` names the holder in messages (``daemon``, ``cli:alice``). ``wait`` bounds
    the wait for another holder (``None``: as long as it takes; the wait can be cancelled);
    when it runs out, ``TemporaryError`` names the holder. ``on_wait`` is called once, with
    the holder's lock, when the lock is busy. ``clock`` gives the times written to the
    store; ``gone`` decides that a holder has provably ended; ``owner`` is this process
    (``Owner.current()`` unless given).
    """
    if ttl <= timedelta(0):
        raise ValueError(f"the time to live of App/{app}'s lock must be positive, got {ttl}")
    return AppLease(
        store,
        app,
        purpose=purpose,
        ttl=ttl,
        wait=wait,
        on_wait=on_wait,
        poll=poll,
        clock=clock,
        gone=gone,
        owner=owner,
    )


class AppLease:
    """The lock of one app, held for one ``async with`` block; see :func:`hold_app_lock`.

    ``lock`` is the lock as last taken or renewed (``None`` before the block), ``lost``
    whether it was lost while the block ran.
    """

    def __init__(
        self,
        store: Store,
        app: str,
        *,
        purpose: str,
        ttl: timedelta,
        wait: timedelta | None,
        on_wait: Callable[[AppLock], None] | None,
        poll: timedelta,
        clock: Callable[[], datetime],
        gone: Callable[[Owner], bool],
        owner: Owner | None,
    ) -> None:
        """Use :func:`hold_app_lock`, which documents the arguments."""
        self.store = store
        self.app = app
        self.purpose = purpose
        self.token = secrets.token_hex(16)
        self.lock: AppLock | None = None
        self.lost = False
        self._ttl = ttl
        self._wait = wait
        self._on_wait = on_wait
        self._poll = poll.total_seconds()
        self._clock = clock
        self._gone = gone
        self._owner = owner
        self._taken_by: AppLock | None = None
        self._stopping = False
        self._task: asyncio.Task[Any] | None = None
        self._cancelling = 0
        self._renewal: asyncio.Task[None] | None = None

    async def __aenter__(self) -> AppLease:
        task = asyncio.current_task()
        if task is None or self._task is not None:
            raise RuntimeError("an AppLease is entered once, from an asyncio task")
        self._task = task
        self._cancelling = task.cancelling()
        try:
            self.lock = await self._acquire()
        except BaseException:
            # A try_lock cut short (cancelled) may have taken the lock all the same.
            with contextlib.suppress(TrueupError):
                await _shielded(self.store.release_lock(self.app, token=self.token))
            raise
        self._renewal = asyncio.create_task(self._renew(), name=f"renew lock of App/{self.app}")
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        assert self._task is not None  # set by __aenter__
        assert self._renewal is not None
        # From here on a failed renewal no longer cancels the block's task: it has ended.
        self._stopping = True
        self._renewal.cancel()
        ours = False
        try:
            await _shielded(self._release())
        except TrueupError:
            if exc is None and not self.lost:
                raise
            # The block's own error, or the lost lock, says more; the lock expires anyway.
        finally:
            # Take back the cancellation asked for on losing the lock; one asked for by
            # anyone else stays, and then the cancellation goes on as it is.
            ours = self.lost and self._task.uncancel() <= self._cancelling
        if ours:
            raise TemporaryError(self._lost_message()) from exc

    async def _acquire(self) -> AppLock:
        loop = asyncio.get_running_loop()
        deadline = None if self._wait is None else loop.time() + self._wait.total_seconds()
        owner = str(self._owner or Owner.current())
        told = False
        while True:
            lock = await self.store.try_lock(
                self.app,
                owner=owner,
                token=self.token,
                purpose=self.purpose,
                now=self._clock(),
                ttl=self._ttl,
            )
            if lock.token == self.token:
                return lock
            holder = Owner.parse(lock.owner)
            if holder is not None and self._gone(holder):
                await self.store.break_lock(self.app, token=lock.token)
                continue
            left = None if deadline is None else deadline - loop.time()
            if left is not None and left <= 0:
                raise TemporaryError(self._busy_message(lock))
            if not told and self._on_wait is not None:
                self._on_wait(lock)
            told = True
            await asyncio.sleep(self._poll if left is None else min(self._poll, left))

    async def _renew(self) -> None:
        assert self.lock is not None  # taken before the renewal starts
        every = self._ttl.total_seconds() / 3
        while True:
            await asyncio.sleep(every)
            now = self._clock()
            try:
                held = await self.store.renew_lock(
                    self.app, token=self.token, now=now, ttl=self._ttl
                )
            except TrueupError:
                # The store is busy or failing: the lease is ours until it expires unrenewed.
                held = self.lock.in_force(self._clock())
            else:
                if held:
                    self.lock = dataclasses.replace(self.lock, expires_at=lease_end(now, self._ttl))
            if not held:
                self._lose()
                return

    def _lose(self) -> None:
        assert self._task is not None  # the renewal runs inside the block
        if self._stopping:
            return
        self.lost = True
        self._task.cancel(f"lost the lock of App/{self.app}")

    async def _release(self) -> None:
        assert self._renewal is not None  # started by __aenter__
        await asyncio.wait([self._renewal])
        await self.store.release_lock(self.app, token=self.token)
        if self.lost:
            found = [lock for lock in await self.store.locks() if lock.app == self.app]
            self._taken_by = found[0] if found else None

    def _busy_message(self, lock: AppLock) -> str:
        waited = f"{(self._wait or timedelta(0)).total_seconds():g} s"
        return (
            f"App/{self.app} is locked by {describe_holder(lock)} since "
            f"{lock.acquired_at:%Y-%m-%d %H:%M:%S} UTC: another reconcile of it is running, "
            f"and waiting gave up after {waited}. Retry once it is done or wait longer; if "
            f"that process hangs, stop it (its lock is broken as soon as it has ended)"
        )

    def _lost_message(self) -> str:
        assert self.lock is not None  # the lock was held before it was lost
        now = (
            f"{describe_holder(self._taken_by)} holds it now"
            if self._taken_by is not None
            else "nobody holds it now"
        )
        return (
            f"lost the lock of App/{self.app} ({self.purpose}): it was broken, or not renewed "
            f"before it expired at {self.lock.expires_at:%Y-%m-%d %H:%M:%S} UTC, and {now}; "
            "stopped this reconcile so that two never run at once. It is retried later; if "
            "this repeats, look for what pauses this process or keeps the state database "
            "from being written"
        )


async def _shielded(work: Coroutine[Any, Any, T]) -> T:
    """Run ``work`` to its end even when the caller is cancelled meanwhile."""
    task = asyncio.ensure_future(work)
    _BACKGROUND.add(task)
    task.add_done_callback(_forget)
    return await asyncio.shield(task)


def _forget(task: asyncio.Task[Any]) -> None:
    _BACKGROUND.discard(task)
    if not task.cancelled():
        task.exception()  # retrieved: an error after the caller left is not reported twice

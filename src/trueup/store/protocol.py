"""The one small interface every store implements: SQLite now, PostgreSQL later, a fake in tests."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Protocol

from trueup.store.model import (
    AppLock,
    Attempt,
    Confirmation,
    EventRecord,
    InventoryEntry,
    Schedule,
    Suspension,
)


class Store(Protocol):
    """History, events, inventories, locks and suspensions of every app; safe to call from many
    coroutines at once.

    Every method may raise ``trueup.errors.StoreError``; none of them blocks the event loop.
    Each is one transaction: what it reads and what it writes, as one step.
    """

    async def record_attempt(self, attempt: Attempt) -> int:
        """Record ``attempt`` with its change set in one transaction and return its new id.

        The ``id`` field of ``attempt`` is ignored: the store assigns ids. An attempt whose
        result is ``running`` has started and is completed later with :meth:`update_attempt`.
        """
        ...

    async def update_attempt(self, attempt: Attempt) -> bool:
        """Replace the running attempt ``attempt.id`` (values and change set) with ``attempt``.

        Only a ``running`` attempt changes: a finished one is the audit trail and stays as
        it is. False (and nothing changed) when no running attempt has that id, for
        example because it was already marked ``interrupted``.
        """
        ...

    async def running_attempts(self) -> list[Attempt]:
        """Every attempt of every app whose result is still ``running``, oldest first."""
        ...

    async def history(self, app: str, limit: int = 100) -> list[Attempt]:
        """Up to ``limit`` attempts of ``app``, newest first (latest ``started_at``, then id)."""
        ...

    async def last_attempt(self, app: str) -> Attempt | None:
        """The newest attempt of ``app`` whatever its result (``running`` too), or ``None``."""
        ...

    async def last_successful(self, app: str) -> Attempt | None:
        """The newest succeeded sync of the whole of ``app``; its revision is the last
        applied one. A partial sync (``Attempt.only``) never is, whatever its result.

        The engine falls back to this revision when Git is unreachable, and rollback
        starts from it.
        """
        ...

    async def apps(self) -> list[str]:
        """Every app with an attempt, an inventory or a suspension, sorted by name.

        A suspended app is listed even when it never ran, so that ``status`` shows it and it
        can be resumed after it left the configuration. A lock alone does not list an app.
        """
        ...

    async def inventory(self, app: str) -> tuple[InventoryEntry, ...]:
        """The objects ``app`` owns, sorted by id; empty if it owns none."""
        ...

    async def inventory_target(self, app: str) -> str:
        """The target the inventory of ``app`` belongs to; '' when it is empty or not known."""
        ...

    async def replace_inventory(
        self, app: str, entries: Iterable[InventoryEntry], *, target: str = ""
    ) -> None:
        """Make ``entries``, on ``target``, the whole inventory of ``app``, all or nothing.

        Two entries with the same object id raise ``StoreError`` and keep the old inventory.
        """
        ...

    async def record_confirmation(self, confirmation: Confirmation) -> None:
        """Remember ``confirmation`` as the last comparison of its app, replacing the previous."""
        ...

    async def confirmation(self, app: str) -> Confirmation | None:
        """The last comparison of ``app`` with its target, or ``None`` if there was none."""
        ...

    async def installation_id(self) -> str:
        """The id of this installation: made (random, 12 hex digits) on first use, then kept.

        Everyone sharing a store is one installation; it names trueup in the tracking
        annotation of every object it applies.
        """
        ...

    async def try_lock(
        self, app: str, *, owner: str, token: str, purpose: str, now: datetime, ttl: timedelta
    ) -> AppLock:
        """Take the lock of ``app`` until ``now + ttl`` and return it; or return the holder's.

        The lock is taken when it is free, has expired at ``now``, or is already held with
        ``token`` (then it is renewed, keeping its ``acquired_at``). While another holder's
        lock is in force nothing changes and that lock is returned: compare its ``token``
        with yours. The decision and the write are one transaction, so two callers, in one
        process or in several, never both get the lock. A ``ttl`` that is not positive
        raises ``ValueError``.
        """
        ...

    async def renew_lock(self, app: str, *, token: str, now: datetime, ttl: timedelta) -> bool:
        """Extend the lock of ``app`` held with ``token`` to ``now + ttl``.

        False (and nothing changed) when the lock is no longer held with ``token``: it was
        broken, or it expired and someone else took it. A lock that expired but that nobody
        took is still ours, and renewed.
        """
        ...

    async def release_lock(self, app: str, *, token: str) -> None:
        """Free the lock of ``app`` if it is held with ``token``; otherwise do nothing."""
        ...

    async def break_lock(self, app: str, *, token: str) -> bool:
        """Free the lock of ``app`` only if it is still held with ``token``; say whether it was.

        For a holder that is provably gone: comparing the token means a lock someone else
        took meanwhile is never broken by mistake.
        """
        ...

    async def locks(self) -> list[AppLock]:
        """Every lock the store holds, by app name; expired ones too (see ``in_force``)."""
        ...

    async def suspend(self, app: str, *, by: str, at: datetime, reason: str = "") -> Suspension:
        """Suspend ``app`` and return the suspension in force.

        Suspending a suspended app changes nothing: the first suspension (who, since when,
        why) stays and is returned, so that the caller can tell it from its own.
        """
        ...

    async def resume(self, app: str) -> bool:
        """Lift the suspension of ``app``; False when it was not suspended."""
        ...

    async def forget(self, app: str) -> None:
        """Forget ``app`` but its history: its inventory, last comparison, suspension and
        lock, in one transaction (``trueup delete``). Its attempts stay: they are the audit
        trail."""
        ...

    async def suspensions(self) -> dict[str, Suspension]:
        """Every suspended app's suspension, by app name (in name order)."""
        ...

    async def record_schedule(self, schedule: Schedule) -> None:
        """Remember ``schedule`` as the daemon's plan for its app, replacing the previous."""
        ...

    async def schedules(self) -> dict[str, Schedule]:
        """The daemon's plan for every app it planned for, by app name (in name order)."""
        ...

    async def record_events(self, events: Sequence[EventRecord]) -> list[int]:
        """Record ``events`` in one transaction and return their new ids, in the same order.

        The ``id`` of each event is ignored: the store assigns ids, which only ever grow
        (an id is never given twice, not even after the event was pruned).
        """
        ...

    async def events(
        self,
        *,
        app: str | None = None,
        after_id: int | None = None,
        limit: int = 100,
        newest_first: bool = True,
    ) -> list[EventRecord]:
        """Up to ``limit`` recorded events, by id: the newest first, or the oldest first.

        ``app`` keeps only the events of that app (``None``: every event, the daemon's own
        too); ``after_id`` only those recorded after the event with that id. Oldest first
        with ``after_id`` is how a reader pages forward, or follows what is recorded next.
        Events of a kind this trueup does not know (written by a newer one) are left out.
        """
        ...

    async def prune_events(self, *, older_than: datetime, keep_per_app: int) -> int:
        """Delete the events recorded before ``older_than`` and, of each app, every event but
        its newest ``keep_per_app`` (the daemon's own events count as one more app), in one
        transaction; return how many were deleted. A negative ``keep_per_app`` raises
        ``ValueError``.
        """
        ...

    async def close(self) -> None:
        """Release the store; later calls raise ``StoreError``. Closing twice is harmless."""
        ...

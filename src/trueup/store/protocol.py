"""The one small interface every store implements: SQLite now, PostgreSQL later, a fake in tests."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from datetime import datetime, timedelta
from typing import Protocol

from trueup.store.image_scans import ImageScan
from trueup.store.model import (
    AppLock,
    Attempt,
    Confirmation,
    EventRecord,
    InventoryEntry,
    Pin,
    RecordedInputs,
    Revert,
    Schedule,
    Suspension,
)
from trueup.store.outcome import Outcome


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

    async def record_outcome(self, outcome: Outcome) -> int | None:
        """Write every record of ``outcome`` in one transaction, all or nothing: the
        inventory (as :meth:`replace_inventory`), the confirmation (as
        :meth:`record_confirmation`), then the attempt (as :meth:`update_attempt`, or
        :meth:`record_attempt` when it no longer runs), its reads (as :meth:`record_reads`)
        and the reverts it settles (as :meth:`settle_reverts`). Returns the attempt's id
        (None without an attempt). An inventory listing an object twice raises
        ``StoreError`` and writes nothing.
        """
        ...

    async def running_attempts(self, *, not_owned_by: str | None = None) -> list[Attempt]:
        """Every attempt of every app whose result is still ``running`` (but those whose
        ``owner`` is ``not_owned_by``), oldest first."""
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

    async def last_attempts(self, apps: Collection[str]) -> dict[str, Attempt]:
        """:meth:`last_attempt` of each of ``apps`` at once (one read, for lists of many
        Apps); an App without attempts is not in the answer."""
        ...

    async def last_successful_attempts(self, apps: Collection[str]) -> dict[str, Attempt]:
        """:meth:`last_successful` of each of ``apps`` at once; an App without one is not
        in the answer."""
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

    async def confirmations(self, apps: Collection[str]) -> dict[str, Confirmation]:
        """:meth:`confirmation` of each of ``apps`` at once; an App never compared is not
        in the answer."""
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
        """Forget ``app`` but its history: its inventory, last comparison, suspension, pin and
        lock, in one transaction (``trueup delete``). Its attempts stay: they are the audit
        trail."""
        ...

    async def suspensions(self) -> dict[str, Suspension]:
        """Every suspended app's suspension, by app name (in name order)."""
        ...

    async def record_inputs(self, attempt_id: int, inputs: RecordedInputs) -> None:
        """Remember what attempt ``attempt_id``'s render read besides its tree (the chart
        version and digest, hashes of the values read from the cluster), replacing what was
        remembered for it. ``StoreError`` when there is no such attempt."""
        ...

    async def recorded_inputs(self, attempt_id: int) -> RecordedInputs | None:
        """What :meth:`record_inputs` remembered for attempt ``attempt_id``; None if nothing."""
        ...

    async def pin(self, pin: Pin) -> Pin:
        """Pin ``pin.app`` at ``pin.revision`` (``trueup rollback``), replacing an earlier pin
        of it: the newest rollback is the one asked for. Returns ``pin``."""
        ...

    async def unpin(self, app: str) -> bool:
        """Lift the pin of ``app``; False when it was not pinned."""
        ...

    async def pins(self) -> dict[str, Pin]:
        """Every pinned app's pin, by app name (in name order)."""
        ...

    async def record_schedule(self, schedule: Schedule) -> None:
        """Remember ``schedule`` as the daemon's plan for its app, replacing the previous."""
        ...

    async def schedules(self, apps: Collection[str] | None = None) -> dict[str, Schedule]:
        """The daemon's plan for every app it planned for (of ``apps`` only, when given), by
        app name (in name order)."""
        ...

    async def record_reads(self, attempt_id: int, reads: Iterable[str]) -> None:
        """Remember what attempt ``attempt_id``'s render read (``Rendered.reads``:
        repository-relative paths), replacing what was remembered for it. ``StoreError``
        when there is no such attempt."""
        ...

    async def reads(self, attempt_id: int) -> frozenset[str] | None:
        """What :meth:`record_reads` remembered for attempt ``attempt_id``; None if nothing."""
        ...

    async def current_reads(self) -> dict[str, frozenset[str]]:
        """Every app's current read-set (that of its newest attempt with one), by app name."""
        ...

    async def record_revert(self, revert: Revert) -> int:
        """Record ``revert`` (pushed by ``trueup rollback --revert``) and return its new id;
        its ``id`` is ignored."""
        ...

    async def pending_reverts(self) -> list[Revert]:
        """Every revert not yet applied, of every app, oldest first: image automation leaves
        the paths they cover alone (``Revert.covers``)."""
        ...

    async def settle_reverts(self, attempt: Attempt) -> list[Revert]:
        """Mark every pending revert of ``attempt.app`` that ``attempt`` applied
        (``Revert.applied_by``) as applied at ``attempt.finished_at``, in one transaction;
        return them as now recorded."""
        ...

    async def reverts(self, app: str, limit: int = 100) -> list[Revert]:
        """Up to ``limit`` reverts of ``app``, applied or not, newest first."""
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

    async def record_image_scan(self, scan: ImageScan) -> None:
        """Make ``scan`` the last scan of ``scan.repository``, with its tags, all or nothing."""
        ...

    async def image_scans(self) -> dict[str, ImageScan]:
        """The last scan of every image repository scanned, by repository (in name order)."""
        ...

    async def image_scan(self, repository: str) -> ImageScan | None:
        """The last scan of ``repository``, or ``None`` when it was never scanned."""
        ...

    async def close(self) -> None:
        """Release the store; later calls raise ``StoreError``. Closing twice is harmless."""
        ...

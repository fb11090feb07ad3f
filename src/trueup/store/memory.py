"""An in-memory store with the same behaviour as the SQLite one, for unit tests of other layers."""

from __future__ import annotations

import dataclasses
import itertools
import secrets
from collections.abc import Callable, Collection, Iterable, Sequence
from datetime import datetime, timedelta

from trueup.errors import StoreError
from trueup.store.image_scans import ImageScan
from trueup.store.model import (
    AppLock,
    Attempt,
    AttemptResult,
    Confirmation,
    EventRecord,
    InventoryEntry,
    Pin,
    RecordedInputs,
    Revert,
    Schedule,
    Suspension,
    lease_end,
    next_lock,
    normalised_path,
)
from trueup.store.outcome import Outcome


class MemoryStore:
    """Implements ``Store`` in process memory; nothing survives ``close``.

    Each method runs without an ``await`` in between its reads and writes, so concurrent
    coroutines see every call as atomic, as they do with the SQLite store.
    """

    def __init__(self) -> None:
        self._attempts: list[Attempt] = []
        self._inventories: dict[str, tuple[InventoryEntry, ...]] = {}
        self._inventory_targets: dict[str, str] = {}
        self._confirmations: dict[str, Confirmation] = {}
        self._locks: dict[str, AppLock] = {}
        self._schedules: dict[str, Schedule] = {}
        self._events: list[EventRecord] = []
        """Oldest first, so ids increase along the list."""
        self._last_event_id = 0
        self._suspensions: dict[str, Suspension] = {}
        self._inputs: dict[int, RecordedInputs] = {}
        self._pins: dict[str, Pin] = {}
        self._reads: dict[int, frozenset[str]] = {}
        self._reverts: list[Revert] = []
        self._image_scans: dict[str, ImageScan] = {}
        self._closed = False
        self._installation = secrets.token_hex(6)

    def _check_open(self) -> None:
        if self._closed:
            raise StoreError("the in-memory store is closed; open a new one")

    def _newest_first(self, app: str) -> list[Attempt]:
        mine = [a for a in self._attempts if a.app == app]
        return sorted(mine, key=lambda a: (a.started_at, a.id or 0), reverse=True)

    async def record_attempt(self, attempt: Attempt) -> int:
        """Record ``attempt`` and return its new id (ids count up from 1)."""
        self._check_open()
        new_id = len(self._attempts) + 1
        self._attempts.append(dataclasses.replace(attempt, id=new_id))
        return new_id

    async def update_attempt(self, attempt: Attempt) -> bool:
        """Replace the running attempt ``attempt.id``; False when none is running."""
        self._check_open()
        index = (attempt.id or 0) - 1
        if not 0 <= index < len(self._attempts) or self._attempts[index].result.finished:
            return False
        self._attempts[index] = attempt
        return True

    async def record_outcome(self, outcome: Outcome) -> int | None:
        """Write every record of ``outcome`` at once (no ``await`` in between: atomic for
        every other coroutine); a bad inventory writes nothing."""
        self._check_open()
        # Each call below runs to its end without suspending; only the inventory can fail,
        # so it goes first and a failure leaves everything as it was.
        if outcome.inventory is not None:
            await self.replace_inventory(outcome.app, outcome.inventory, target=outcome.target)
        if outcome.known and outcome.app in self._inventories:
            known = outcome.known
            self._inventories[outcome.app] = tuple(
                dataclasses.replace(
                    entry, content_hash=known[entry.id][0], resource_version=known[entry.id][1]
                )
                if entry.id in known
                else entry
                for entry in self._inventories[outcome.app]
            )
        if outcome.confirmation is not None:
            await self.record_confirmation(outcome.confirmation)
        if outcome.attempt is None:
            return None
        attempt_id = outcome.attempt.id
        if attempt_id is None or not await self.update_attempt(outcome.attempt):
            attempt_id = await self.record_attempt(outcome.attempt)
        if outcome.reads:
            await self.record_reads(attempt_id, outcome.reads)
        await self.settle_reverts(dataclasses.replace(outcome.attempt, id=attempt_id))
        return attempt_id

    async def running_attempts(self, *, not_owned_by: str | None = None) -> list[Attempt]:
        """Every running attempt (of owners other than ``not_owned_by``), oldest first."""
        self._check_open()
        return [a for a in self._attempts if not a.result.finished and a.owner != not_owned_by]

    async def history(self, app: str, limit: int = 100) -> list[Attempt]:
        """Up to ``limit`` attempts of ``app``, newest first."""
        self._check_open()
        return self._newest_first(app)[: max(limit, 0)]

    async def last_attempt(self, app: str) -> Attempt | None:
        """The newest attempt of ``app``, or ``None``."""
        self._check_open()
        newest = self._newest_first(app)
        return newest[0] if newest else None

    async def last_successful(self, app: str) -> Attempt | None:
        """The newest succeeded sync of the whole of ``app`` (not a partial one), or ``None``."""
        self._check_open()
        for attempt in self._newest_first(app):
            if attempt.result is AttemptResult.SUCCEEDED and not attempt.only:
                return attempt
        return None

    async def last_attempts(self, apps: Collection[str]) -> dict[str, Attempt]:
        """The newest attempt of each of ``apps`` that has one."""
        self._check_open()
        return self._newest_of(set(apps), lambda attempt: True)

    async def last_successful_attempts(self, apps: Collection[str]) -> dict[str, Attempt]:
        """The newest succeeded sync of the whole App, of each of ``apps`` that has one."""
        self._check_open()
        return self._newest_of(
            set(apps), lambda a: a.result is AttemptResult.SUCCEEDED and not a.only
        )

    def _newest_of(
        self, apps: Collection[str], wanted: Callable[[Attempt], bool]
    ) -> dict[str, Attempt]:
        """The newest wanted attempt of each of ``apps``, in one pass over the attempts."""
        newest: dict[str, Attempt] = {}
        for attempt in self._attempts:
            if attempt.app not in apps or not wanted(attempt):
                continue
            held = newest.get(attempt.app)
            key = (attempt.started_at, attempt.id or 0)
            if held is None or key > (held.started_at, held.id or 0):
                newest[attempt.app] = attempt
        return newest

    async def apps(self) -> list[str]:
        """Every app with an attempt, an inventory or a suspension, sorted."""
        self._check_open()
        names = {a.app for a in self._attempts} | set(self._inventories) | set(self._suspensions)
        return sorted(names)

    async def inventory(self, app: str) -> tuple[InventoryEntry, ...]:
        """The objects ``app`` owns, sorted by id."""
        self._check_open()
        return self._inventories.get(app, ())

    async def inventory_target(self, app: str) -> str:
        """The target the inventory of ``app`` belongs to, or ''."""
        self._check_open()
        return self._inventory_targets.get(app, "")

    async def replace_inventory(
        self, app: str, entries: Iterable[InventoryEntry], *, target: str = ""
    ) -> None:
        """Replace the inventory of ``app`` whole; duplicates keep the old one and raise."""
        self._check_open()
        new = sorted(entries)
        twice = sorted({a.id for a, b in itertools.pairwise(new) if a.id == b.id})
        if twice:
            named = ", ".join(str(oid) for oid in twice)
            raise StoreError(
                f"inventory of app {app!r} lists {named} more than once; the previous "
                "inventory was kept (this is a bug in the caller: report it)"
            )
        if new:
            self._inventories[app] = tuple(new)
            self._inventory_targets[app] = target
        else:
            self._inventories.pop(app, None)
            self._inventory_targets.pop(app, None)

    async def record_confirmation(self, confirmation: Confirmation) -> None:
        """Remember ``confirmation`` as the last comparison of its app."""
        self._check_open()
        self._confirmations[confirmation.app] = confirmation

    async def confirmation(self, app: str) -> Confirmation | None:
        """The last comparison of ``app``, or ``None``."""
        self._check_open()
        return self._confirmations.get(app)

    async def confirmations(self, apps: Collection[str]) -> dict[str, Confirmation]:
        """The last comparison of each of ``apps`` that was compared."""
        self._check_open()
        return {app: self._confirmations[app] for app in set(apps) if app in self._confirmations}

    async def installation_id(self) -> str:
        """This store's installation id (random, made with the store)."""
        self._check_open()
        return self._installation

    async def try_lock(
        self, app: str, *, owner: str, token: str, purpose: str, now: datetime, ttl: timedelta
    ) -> AppLock:
        """Take (or renew) the lock of ``app``, or return the other holder's lock in force."""
        self._check_open()
        wanted = AppLock(app, owner, token, purpose, now, lease_end(now, ttl))
        lock = next_lock(self._locks.get(app), wanted)
        self._locks[app] = lock
        return lock

    async def renew_lock(self, app: str, *, token: str, now: datetime, ttl: timedelta) -> bool:
        """Extend the lock of ``app`` held with ``token``; False when it is not held so."""
        self._check_open()
        expires = lease_end(now, ttl)
        held = self._locks.get(app)
        if held is None or held.token != token:
            return False
        self._locks[app] = dataclasses.replace(held, expires_at=expires)
        return True

    async def release_lock(self, app: str, *, token: str) -> None:
        """Free the lock of ``app`` if it is held with ``token``."""
        await self.break_lock(app, token=token)

    async def break_lock(self, app: str, *, token: str) -> bool:
        """Free the lock of ``app`` only if it is still held with ``token``."""
        self._check_open()
        held = self._locks.get(app)
        if held is None or held.token != token:
            return False
        del self._locks[app]
        return True

    async def locks(self) -> list[AppLock]:
        """Every lock, expired ones too, by app name."""
        self._check_open()
        return [self._locks[app] for app in sorted(self._locks)]

    async def suspend(self, app: str, *, by: str, at: datetime, reason: str = "") -> Suspension:
        """Suspend ``app`` unless it is; return the suspension in force (the first one)."""
        self._check_open()
        suspension = Suspension(app, by, at, reason)
        return self._suspensions.setdefault(app, suspension)

    async def resume(self, app: str) -> bool:
        """Lift the suspension of ``app``; False when it was not suspended."""
        self._check_open()
        return self._suspensions.pop(app, None) is not None

    async def forget(self, app: str) -> None:
        """Delete ``app``'s inventory, comparison, suspension, pin and lock; keep its history."""
        self._check_open()
        self._pins.pop(app, None)
        self._inventories.pop(app, None)
        self._inventory_targets.pop(app, None)
        self._confirmations.pop(app, None)
        self._suspensions.pop(app, None)
        self._locks.pop(app, None)
        self._schedules.pop(app, None)

    async def record_schedule(self, schedule: Schedule) -> None:
        """Remember the daemon's plan for ``schedule.app``."""
        self._check_open()
        self._schedules[schedule.app] = schedule

    async def schedules(self, apps: Collection[str] | None = None) -> dict[str, Schedule]:
        """The daemon's plan for every app (of ``apps`` only, when given), by app name."""
        self._check_open()
        wanted = self._schedules.keys() if apps is None else set(apps) & self._schedules.keys()
        return {app: self._schedules[app] for app in sorted(wanted)}

    async def suspensions(self) -> dict[str, Suspension]:
        """Every suspension, by app name."""
        self._check_open()
        return {app: self._suspensions[app] for app in sorted(self._suspensions)}

    async def record_inputs(self, attempt_id: int, inputs: RecordedInputs) -> None:
        """Remember what attempt ``attempt_id``'s render read; StoreError for no such attempt."""
        self._check_open()
        if not 0 < attempt_id <= len(self._attempts):
            raise StoreError(f"no attempt {attempt_id} to record the inputs of")
        self._inputs[attempt_id] = inputs

    async def recorded_inputs(self, attempt_id: int) -> RecordedInputs | None:
        """What was remembered for attempt ``attempt_id``, or None."""
        self._check_open()
        return self._inputs.get(attempt_id)

    async def pin(self, pin: Pin) -> Pin:
        """Pin ``pin.app``, replacing an earlier pin of it."""
        self._check_open()
        self._pins[pin.app] = pin
        return pin

    async def unpin(self, app: str) -> bool:
        """Lift the pin of ``app``; False when it was not pinned."""
        self._check_open()
        return self._pins.pop(app, None) is not None

    async def pins(self) -> dict[str, Pin]:
        """Every pin, by app name."""
        self._check_open()
        return {app: self._pins[app] for app in sorted(self._pins)}

    async def record_reads(self, attempt_id: int, reads: Iterable[str]) -> None:
        """Remember what attempt ``attempt_id``'s render read; StoreError for no such attempt."""
        self._check_open()
        if not 0 < attempt_id <= len(self._attempts):
            raise StoreError(f"no attempt {attempt_id} to record the read-set of")
        self._reads[attempt_id] = frozenset(normalised_path(p) for p in reads)

    async def reads(self, attempt_id: int) -> frozenset[str] | None:
        """What was remembered for attempt ``attempt_id``, or None."""
        self._check_open()
        return self._reads.get(attempt_id)

    async def current_reads(self) -> dict[str, frozenset[str]]:
        """Each app's read-set of its newest attempt with one."""
        self._check_open()
        found: dict[str, frozenset[str]] = {}
        for attempt_id in sorted(self._reads):
            found[self._attempts[attempt_id - 1].app] = self._reads[attempt_id]
        return {app: found[app] for app in sorted(found)}

    async def record_revert(self, revert: Revert) -> int:
        """Record ``revert`` and return its new id (ids count up from 1)."""
        self._check_open()
        new_id = len(self._reverts) + 1
        self._reverts.append(dataclasses.replace(revert, id=new_id))
        return new_id

    async def pending_reverts(self) -> list[Revert]:
        """Every revert not yet applied, oldest first."""
        self._check_open()
        return [r for r in self._reverts if r.pending]

    async def settle_reverts(self, attempt: Attempt) -> list[Revert]:
        """Mark the pending reverts ``attempt`` applied as applied; return them."""
        self._check_open()
        settled = []
        for index, revert in enumerate(self._reverts):
            if revert.pending and revert.applied_by(attempt):
                revert = dataclasses.replace(
                    revert, applied_at=attempt.finished_at, applied_revision=attempt.revision
                )
                self._reverts[index] = revert
                settled.append(revert)
        return settled

    async def reverts(self, app: str, limit: int = 100) -> list[Revert]:
        """Up to ``limit`` reverts of ``app``, newest first."""
        self._check_open()
        return [r for r in reversed(self._reverts) if r.app == app][: max(limit, 0)]

    async def record_events(self, events: Sequence[EventRecord]) -> list[int]:
        """Record ``events`` and return their new ids (counting up from 1, never reused)."""
        self._check_open()
        first = self._last_event_id + 1
        recorded = [dataclasses.replace(e, id=first + n) for n, e in enumerate(events)]
        self._events.extend(recorded)
        self._last_event_id += len(recorded)
        return [first + n for n in range(len(recorded))]

    async def events(
        self,
        *,
        app: str | None = None,
        after_id: int | None = None,
        limit: int = 100,
        newest_first: bool = True,
    ) -> list[EventRecord]:
        """Up to ``limit`` events, newest or oldest first, of ``app`` and after ``after_id``."""
        self._check_open()
        found = [
            e
            for e in self._events
            if (app is None or e.app == app) and (after_id is None or (e.id or 0) > after_id)
        ]
        ordered = found[::-1] if newest_first else found
        return ordered[: max(limit, 0)]

    async def prune_events(self, *, older_than: datetime, keep_per_app: int) -> int:
        """Delete the events before ``older_than`` and all but each app's newest
        ``keep_per_app``; how many were deleted."""
        self._check_open()
        if keep_per_app < 0:
            raise ValueError(f"events to keep per app must be 0 or more, got {keep_per_app}")
        kept: list[EventRecord] = []
        per_app: dict[str | None, int] = {}
        for event in reversed(self._events):
            if event.at < older_than:
                continue
            seen = per_app.get(event.app, 0)
            if seen < keep_per_app:
                per_app[event.app] = seen + 1
                kept.append(event)
        deleted = len(self._events) - len(kept)
        self._events = kept[::-1]
        return deleted

    async def record_image_scan(self, scan: ImageScan) -> None:
        """Make ``scan`` the last scan of its repository (tags sorted, each once)."""
        self._check_open()
        tags = tuple(sorted(set(scan.tags)))
        self._image_scans[scan.repository] = dataclasses.replace(scan, tags=tags)

    async def image_scans(self) -> dict[str, ImageScan]:
        """The last scan of every repository, by repository name."""
        self._check_open()
        return {name: self._image_scans[name] for name in sorted(self._image_scans)}

    async def image_scan(self, repository: str) -> ImageScan | None:
        """The last scan of ``repository``, or None."""
        self._check_open()
        return self._image_scans.get(repository)

    async def close(self) -> None:
        """Forget everything; later calls raise ``StoreError``."""
        self._closed = True

"""The one small interface every store implements: SQLite now, PostgreSQL later, a fake in tests."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from trueup.store.model import Attempt, Confirmation, InventoryEntry


class Store(Protocol):
    """History and inventories of every app; safe to call from many coroutines at once.

    Every method may raise ``trueup.errors.StoreError``; none of them blocks the event loop.
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
        """The newest succeeded attempt of ``app``; its revision is the last applied one.

        The engine falls back to this revision when Git is unreachable, and rollback
        starts from it.
        """
        ...

    async def apps(self) -> list[str]:
        """Every app with an attempt or an inventory, sorted by name."""
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

    async def close(self) -> None:
        """Release the store; later calls raise ``StoreError``. Closing twice is harmless."""
        ...

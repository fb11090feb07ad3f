"""The one small interface every store implements: SQLite now, PostgreSQL later, a fake in tests."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from trueup.store.model import Attempt, InventoryEntry


class Store(Protocol):
    """History and inventories of every app; safe to call from many coroutines at once.

    Every method may raise ``trueup.errors.StoreError``; none of them blocks the event loop.
    """

    async def record_attempt(self, attempt: Attempt) -> int:
        """Record ``attempt`` with its change set in one transaction and return its new id.

        The ``id`` field of ``attempt`` is ignored: the store assigns ids.
        """
        ...

    async def history(self, app: str, limit: int = 100) -> list[Attempt]:
        """Up to ``limit`` attempts of ``app``, newest first (latest ``started_at``, then id)."""
        ...

    async def last_attempt(self, app: str) -> Attempt | None:
        """The newest attempt of ``app`` whatever its result, or ``None`` if it never ran."""
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

    async def replace_inventory(self, app: str, entries: Iterable[InventoryEntry]) -> None:
        """Make ``entries`` the whole inventory of ``app``, all or nothing.

        Two entries with the same object id raise ``StoreError`` and keep the old inventory.
        """
        ...

    async def close(self) -> None:
        """Release the store; later calls raise ``StoreError``. Closing twice is harmless."""
        ...

"""The SQLite store records a sync's outcome as every store must, in one transaction."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.unit.store.contract import WEB, attempt, started
from tests.unit.store.outcome_contract import OutcomeStoreContract, confirmation
from trueup.store import InventoryEntry, Outcome, SqliteStore, Store

pytestmark = pytest.mark.anyio


class TestSqliteStoreOutcomes(OutcomeStoreContract):
    """Runs the outcome contract against ``SqliteStore`` on a file in a temporary folder."""

    @pytest.fixture
    async def store(self, tmp_path: Path) -> AsyncIterator[Store]:
        store = await SqliteStore.open(tmp_path / "state.db")
        yield store
        await store.close()


async def test_an_outcome_is_one_write_transaction(tmp_path: Path) -> None:
    """Every record of an outcome is committed at once: one ``BEGIN IMMEDIATE`` among the
    statements the store's connection runs (traced)."""
    async with await SqliteStore.open(tmp_path / "state.db") as store:
        running_id = await store.record_attempt(started())
        statements: list[str] = []
        # The connection belongs to the store's own thread: trace it there.
        await store._run(lambda conn: conn.set_trace_callback(statements.append))
        await store.record_outcome(
            Outcome(
                "shop",
                attempt=dataclasses.replace(attempt(), id=running_id),
                inventory=(InventoryEntry(WEB, "apps/v1"),),
                confirmation=confirmation(),
                reads=frozenset({"apps/shop"}),
            )
        )
        await store._run(lambda conn: conn.set_trace_callback(None))
        assert [s for s in statements if s.startswith("BEGIN")] == ["BEGIN IMMEDIATE"]
        assert [s for s in statements if s == "COMMIT"] == ["COMMIT"]
        assert (await store.history("shop"))[0].result.value == "succeeded"

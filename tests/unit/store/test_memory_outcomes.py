"""The in-memory store records a sync's outcome as every store must."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.unit.store.outcome_contract import OutcomeStoreContract
from trueup.store import MemoryStore, Store


class TestMemoryStoreOutcomes(OutcomeStoreContract):
    """Runs the outcome contract against ``MemoryStore``."""

    @pytest.fixture
    async def store(self) -> AsyncIterator[Store]:
        store = MemoryStore()
        yield store
        await store.close()

"""The in-memory store keeps events as every store must."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.unit.store.events_contract import EventStoreContract
from trueup.store import MemoryStore, Store


class TestMemoryStoreEvents(EventStoreContract):
    """Runs the events contract against ``MemoryStore``."""

    @pytest.fixture
    async def store(self) -> AsyncIterator[Store]:
        store = MemoryStore()
        yield store
        await store.close()

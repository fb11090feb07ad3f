"""The in-memory store behaves as every store must."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.unit.store.contract import StoreContract
from trueup.store import MemoryStore, Store


class TestMemoryStore(StoreContract):
    """Runs the store contract against ``MemoryStore``."""

    @pytest.fixture
    async def store(self) -> AsyncIterator[Store]:
        store = MemoryStore()
        yield store
        await store.close()

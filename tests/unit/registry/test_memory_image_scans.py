"""The in-memory store keeps image scans as every store must."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.unit.registry.image_scan_contract import ImageScanStoreContract
from trueup.store import MemoryStore, Store


class TestMemoryStoreImageScans(ImageScanStoreContract):
    """Runs the image-scan contract against ``MemoryStore``."""

    @pytest.fixture
    async def store(self) -> AsyncIterator[Store]:
        store = MemoryStore()
        yield store
        await store.close()

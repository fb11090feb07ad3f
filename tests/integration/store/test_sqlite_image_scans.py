"""The SQLite store keeps image scans as every store must, across reopening the file."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.unit.registry.image_scan_contract import ImageScanStoreContract, scan
from trueup.store import SqliteStore, Store

pytestmark = pytest.mark.anyio


class TestSqliteStoreImageScans(ImageScanStoreContract):
    """Runs the image-scan contract against ``SqliteStore`` on a file."""

    @pytest.fixture
    async def store(self, tmp_path: Path) -> AsyncIterator[Store]:
        store = await SqliteStore.open(tmp_path / "state.db")
        yield store
        await store.close()


async def test_image_scans_survive_reopening_the_file(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    async with await SqliteStore.open(path) as store:
        await store.record_image_scan(scan("app", "1.0.0", "2.0.0"))
    async with await SqliteStore.open(path) as store:
        read = await store.image_scan("app")
    assert read is not None
    assert read.tags == ("1.0.0", "2.0.0")

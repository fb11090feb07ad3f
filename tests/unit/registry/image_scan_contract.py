"""How every ``Store`` keeps image scans; subclasses provide the ``store`` fixture.

Run against ``MemoryStore`` (unit) and ``SqliteStore`` (integration), like the store contract.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest

from trueup.store import ImageScan, Store

T0 = datetime(2025, 3, 1, 12, 0, 0, tzinfo=UTC)
DIGEST = "sha256:" + "c" * 64


def scan(repository: str = "app", *tags: str, minute: int = 0, **fields: object) -> ImageScan:
    at = T0 + timedelta(minutes=minute)
    values: dict[str, object] = {
        "repository": repository,
        "image": "registry.example.test/org/app",
        "scanned_at": at,
        "tags": tags or ("1.0.0", "1.1.0"),
        "tags_at": at,
    }
    values.update(fields)
    return ImageScan(**values)  # type: ignore[arg-type]


class ImageScanStoreContract:
    """The image-scan part of ``trueup.store.Store``."""

    pytestmark = pytest.mark.anyio

    async def test_a_recorded_scan_comes_back_whole(self, store: Store) -> None:
        written = scan(
            "shop/app", "2.0.0", "1.0.0", digests={"2.0.0": DIGEST}, malformed=2, excluded=1
        )
        await store.record_image_scan(written)

        read = await store.image_scan("shop/app")

        assert read == dataclasses.replace(written, tags=("1.0.0", "2.0.0"))
        assert dict(read.digests) == {"2.0.0": DIGEST}
        assert await store.image_scan("other") is None

    async def test_a_new_scan_replaces_the_tags_of_the_last(self, store: Store) -> None:
        await store.record_image_scan(scan("app", "1.0.0", "1.1.0"))
        await store.record_image_scan(scan("app", "1.1.0", "1.2.0", minute=5))

        read = await store.image_scan("app")

        assert read is not None
        assert read.tags == ("1.1.0", "1.2.0")
        assert read.scanned_at == T0 + timedelta(minutes=5)

    async def test_a_failed_scan_keeps_its_error_and_the_tags_it_was_given(
        self, store: Store
    ) -> None:
        failed = scan("app", "1.0.0", minute=9, error="registry answered 502", tags_at=T0)
        await store.record_image_scan(failed)

        read = await store.image_scan("app")

        assert read is not None
        assert (read.error, read.tags, read.tags_at) == ("registry answered 502", ("1.0.0",), T0)

    async def test_a_never_good_scan_has_no_tags_time(self, store: Store) -> None:
        await store.record_image_scan(scan("app", tags=(), tags_at=None, error="401"))
        read = await store.image_scan("app")
        assert read is not None
        assert (read.tags, read.tags_at) == ((), None)

    async def test_every_scan_is_listed_by_repository(self, store: Store) -> None:
        await store.record_image_scan(scan("web", "3.0.0"))
        await store.record_image_scan(scan("api", "1.0.0"))

        scans = await store.image_scans()

        assert list(scans) == ["api", "web"]
        assert scans["web"].tags == ("3.0.0",)

    async def test_many_tags_are_kept_and_read_back_sorted(self, store: Store) -> None:
        tags = tuple(f"build-{n:05d}" for n in range(5000, 0, -1))
        await store.record_image_scan(scan("app", *tags))

        read = await store.image_scan("app")

        assert read is not None
        assert read.tags == tuple(sorted(tags))

"""How every ``Store`` keeps events; subclasses provide the ``store`` fixture.

Run against ``MemoryStore`` (unit) and ``SqliteStore`` (integration), like the store contract.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from trueup.store import EventKind, EventRecord, Severity, Store

T0 = datetime(2025, 3, 1, 12, 0, 0, tzinfo=UTC)
REVISION = "main@sha1:" + "a" * 40


def event(
    app: str | None = "shop",
    *,
    minute: float = 0,
    kind: EventKind = EventKind.DRIFTED,
    message: str = "ConfigMap/shop/settings changed .data.color; reverted",
) -> EventRecord:
    """An event of ``app`` ``minute`` minutes after T0."""
    return EventRecord(
        at=T0 + timedelta(minutes=minute),
        app=app,
        kind=kind,
        level=Severity.WARNING,
        message=message,
        revision=REVISION,
        objects=("ConfigMap/shop/settings", "apps/Deployment/shop/web"),
        fields={"trigger": "daemon:drift", "duration_s": 0.25, "temporary": False, "n": 3},
    )


class EventStoreContract:
    """The events part of ``trueup.store.Store``."""

    pytestmark = pytest.mark.anyio

    async def test_a_recorded_event_comes_back_whole_with_its_id(self, store: Store) -> None:
        written = event()
        [new_id] = await store.record_events([written])
        [read] = await store.events()
        assert read.id == new_id
        assert read == EventRecord(
            at=written.at,
            app="shop",
            kind=EventKind.DRIFTED,
            level=Severity.WARNING,
            message=written.message,
            revision=REVISION,
            objects=("ConfigMap/shop/settings", "apps/Deployment/shop/web"),
            fields={"trigger": "daemon:drift", "duration_s": 0.25, "temporary": False, "n": 3},
            id=new_id,
        )

    async def test_times_in_another_zone_come_back_as_the_same_instant_in_utc(
        self, store: Store
    ) -> None:
        plus_two = timezone(timedelta(hours=2))
        await store.record_events(
            [
                EventRecord(
                    T0.astimezone(plus_two), None, EventKind.STARTED, Severity.INFO, "started"
                )
            ]
        )
        [read] = await store.events()
        assert read.at == T0
        assert read.at.tzinfo is UTC
        assert (read.app, read.kind, read.level) == (None, EventKind.STARTED, Severity.INFO)

    async def test_ids_increase_in_the_order_given_across_batches(self, store: Store) -> None:
        first = await store.record_events([event(minute=0), event("blog", minute=1)])
        second = await store.record_events([event(minute=2)])
        assert first[0] < first[1] < second[0]
        assert await store.record_events([]) == []

    async def test_newest_first_by_default_and_oldest_first_on_request(self, store: Store) -> None:
        ids = await store.record_events([event(minute=n) for n in range(5)])
        assert [e.id for e in await store.events()] == ids[::-1]
        assert [e.id for e in await store.events(newest_first=False)] == ids
        assert [e.id for e in await store.events(limit=2)] == ids[:2:-1]
        assert [e.id for e in await store.events(limit=2, newest_first=False)] == ids[:2]
        assert await store.events(limit=0) == []

    async def test_after_id_pages_forward_without_gap_or_repeat(self, store: Store) -> None:
        ids = await store.record_events([event(minute=n) for n in range(7)])
        seen: list[int] = []
        after = None
        while page := await store.events(after_id=after, limit=3, newest_first=False):
            seen.extend(e.id or 0 for e in page)
            after = page[-1].id
        assert seen == ids
        assert [e.id for e in await store.events(after_id=ids[4])] == [ids[6], ids[5]]

    async def test_app_keeps_only_that_apps_events(self, store: Store) -> None:
        await store.record_events(
            [event("shop"), event("blog"), event(None, kind=EventKind.STARTED), event("shop")]
        )
        assert [e.app for e in await store.events(app="shop")] == ["shop", "shop"]
        assert [e.app for e in await store.events(app="blog")] == ["blog"]
        assert len(await store.events()) == 4
        assert await store.events(app="nothing") == []

    async def test_prune_drops_what_is_older_than_the_cutoff(self, store: Store) -> None:
        ids = await store.record_events([event(minute=n) for n in range(4)])
        deleted = await store.prune_events(older_than=T0 + timedelta(minutes=2), keep_per_app=100)
        assert deleted == 2
        assert [e.id for e in await store.events(newest_first=False)] == ids[2:]

    async def test_prune_keeps_the_newest_of_each_app_the_daemons_own_as_one_more(
        self, store: Store
    ) -> None:
        ids = await store.record_events(
            [event(app, minute=n) for n in range(4) for app in ("shop", "blog", None)]
        )
        deleted = await store.prune_events(older_than=T0, keep_per_app=2)
        assert deleted == 6
        left = await store.events(newest_first=False)
        assert [e.id for e in left] == ids[6:]
        for app in ("shop", "blog", None):
            assert [e.at for e in left if e.app == app] == [
                T0 + timedelta(minutes=2),
                T0 + timedelta(minutes=3),
            ]

    async def test_prune_to_nothing_and_ids_are_not_reused(self, store: Store) -> None:
        ids = await store.record_events([event(minute=n) for n in range(3)])
        assert await store.prune_events(older_than=T0, keep_per_app=0) == 3
        assert await store.events() == []
        [later] = await store.record_events([event(minute=9)])
        assert later > ids[-1]
        assert await store.prune_events(older_than=T0, keep_per_app=5) == 0

    async def test_a_negative_count_to_keep_is_refused(self, store: Store) -> None:
        with pytest.raises(ValueError, match="0 or more"):
            await store.prune_events(older_than=T0, keep_per_app=-1)

"""``status_data`` for many Apps at once (``trueup status`` and ``GET /api/apps`` share it):
each row is what the App's own records say, and a schedule counts only while the daemon
that wrote it runs."""

from __future__ import annotations

import dataclasses
import socket
from datetime import UTC, datetime, timedelta

import pytest

from trueup.cli.status import status_data, status_row
from trueup.store import (
    Attempt,
    AttemptResult,
    Confirmation,
    MemoryStore,
    Owner,
    Pin,
    RecordedInputs,
    Schedule,
)

pytestmark = pytest.mark.anyio

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
REVISION = "main@sha1:" + "a" * 40
OTHER = "main@sha1:" + "b" * 40
TARGET = "dev@https://127.0.0.1:6443"
ENDED = Owner(socket.gethostname(), "a-boot-that-is-over", 4242, 7)
"""A daemon of an earlier boot of this host: provably not running."""


def attempt(app: str, minute: int, result: AttemptResult, revision: str = REVISION) -> Attempt:
    started = T0 + timedelta(minutes=minute)
    return Attempt(
        app, started, started + timedelta(seconds=5), revision, "cli:alice", result, target=TARGET
    )


async def test_each_row_is_what_that_apps_own_records_say() -> None:
    store = MemoryStore()
    running = str(Owner.current())
    names = [f"app-{i:02d}" for i in range(12)]
    for i, name in enumerate(names):
        await store.record_attempt(attempt(name, i, AttemptResult.SUCCEEDED))
        if i % 2:
            await store.record_attempt(attempt(name, 20 + i, AttemptResult.FAILED, OTHER))
        if i % 3 == 0:
            at = T0 + timedelta(minutes=40)
            await store.record_confirmation(Confirmation(name, TARGET, at, REVISION, i % 6 == 0))
        owner = running if i % 4 else str(ENDED)
        await store.record_schedule(Schedule(name, owner, T0 + timedelta(hours=1), i % 5, T0))

    rows = await status_data(store, names)

    for name, row in zip(names, rows, strict=True):
        alone = status_row(
            name,
            await store.last_attempt(name),
            await store.last_successful(name),
            await store.confirmation(name),
        )
        i = int(name[-2:])
        drifted = i % 5 if i % 4 else 0
        if drifted and alone["sync"] in ("Synced", "OutOfSync"):
            alone["sync"] = f"Drifted ({drifted} object{'s' if drifted > 1 else ''})"
        alone["nextReconcile"] = "2026-03-01T13:00:00+00:00" if i % 4 else ""
        assert row == alone


async def test_a_pinned_app_compares_its_own_last_attempt_with_the_pin() -> None:
    store = MemoryStore()
    recorded = RecordedInputs(values_digests=("d" * 64,))
    for name in ("shop", "blog"):
        first = await store.record_attempt(attempt(name, 1, AttemptResult.SUCCEEDED))
        await store.record_inputs(first, recorded)
    changed = await store.record_attempt(attempt("blog", 2, AttemptResult.SUCCEEDED))
    await store.record_inputs(changed, dataclasses.replace(recorded, values_digests=("e" * 64,)))
    for name in ("shop", "blog"):
        await store.pin(Pin(name, REVISION, REVISION[-40:], "cli:alice", T0, "bad", recorded))

    shop, blog = await status_data(
        store, ["shop", "blog"], heads={"shop": REVISION, "blog": REVISION}
    )

    assert shop["sync"] == blog["sync"] == "Synced"
    assert "differ" not in shop["error"]
    assert "values read from the cluster differ from those recorded for the pin" in blog["error"]

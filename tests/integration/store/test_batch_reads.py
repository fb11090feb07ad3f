"""The reads that answer for many Apps at once (``status`` and ``GET /api/apps`` of 1,000
Apps), in both stores: each answers exactly what the one-App read answers, App by App."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from tests.unit.store.contract import NS, REVISION_A, REVISION_B, T0, TARGET, WEB, attempt
from trueup.changeset import Action, ObjectChange
from trueup.store import AttemptResult, Confirmation, MemoryStore, SqliteStore, Store

pytestmark = pytest.mark.anyio


@pytest.fixture(params=["memory", "sqlite"])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Store]:
    if request.param == "memory":
        yield MemoryStore()
        return
    opened = await SqliteStore.open(tmp_path / "state.db")
    yield opened
    await opened.close()


async def _fill(store: Store) -> None:
    """shop: synced, then failed, then a partial sync that succeeded (newest of all);
    blog: one failure only; wiki: running; same-minute: two attempts started at once."""
    changes = (ObjectChange(NS, Action.UNCHANGED), ObjectChange(WEB, Action.CONFIGURED))
    await store.record_attempt(attempt("shop", minute=1, changes=changes))
    await store.record_attempt(
        attempt("shop", minute=2, result=AttemptResult.FAILED, revision=REVISION_B, error="no")
    )
    partial = attempt("shop", minute=3, revision=REVISION_B)
    await store.record_attempt(dataclasses.replace(partial, only=("Deployment/shop/web",)))
    await store.record_attempt(attempt("blog", minute=5, result=AttemptResult.FAILED))
    await store.record_attempt(attempt("wiki", minute=4, result=AttemptResult.RUNNING))
    await store.record_attempt(attempt("same-minute", minute=6))
    await store.record_attempt(attempt("same-minute", minute=6, revision=REVISION_B))


APPS = ["shop", "blog", "wiki", "same-minute", "never"]


async def test_last_attempts_are_each_apps_last_attempt(store: Store) -> None:
    await _fill(store)

    found = await store.last_attempts(APPS)

    expected = {name: await store.last_attempt(name) for name in APPS}
    assert found == {name: a for name, a in expected.items() if a is not None}
    assert set(found) == {"shop", "blog", "wiki", "same-minute"}
    assert found["shop"].only == ("Deployment/shop/web",)
    assert found["wiki"].result is AttemptResult.RUNNING
    assert found["same-minute"].revision == REVISION_B  # the later id wins a tie


async def test_last_successful_attempts_skip_failures_and_partial_syncs(store: Store) -> None:
    await _fill(store)

    found = await store.last_successful_attempts(APPS)

    expected = {name: await store.last_successful(name) for name in APPS}
    assert found == {name: a for name, a in expected.items() if a is not None}
    assert set(found) == {"shop", "same-minute"}
    assert found["shop"].revision == REVISION_A
    assert [change.action for change in found["shop"].changes.changes] == [
        Action.UNCHANGED,
        Action.CONFIGURED,
    ]


async def test_batch_reads_answer_only_for_the_apps_asked(store: Store) -> None:
    await _fill(store)
    await store.record_confirmation(Confirmation("blog", TARGET, T0, REVISION_A, True))

    assert set(await store.last_attempts(["blog", "never"])) == {"blog"}
    assert set(await store.last_successful_attempts(["shop", "shop"])) == {"shop"}
    assert await store.last_attempts([]) == {}
    assert await store.confirmations(["shop"]) == {}


async def test_confirmations_are_each_apps_last_comparison(store: Store) -> None:
    first = Confirmation("shop", TARGET, T0, REVISION_A, True, "Healthy")
    newer = Confirmation("shop", TARGET, T0 + timedelta(minutes=1), REVISION_B, False)
    blog = Confirmation("blog", TARGET, T0, None, False, "Degraded")
    for confirmation in (first, newer, blog):
        await store.record_confirmation(confirmation)

    found = await store.confirmations(["shop", "blog", "wiki"])

    assert found == {"shop": newer, "blog": blog}
    assert found["shop"] == await store.confirmation("shop")


async def test_names_that_look_like_sql_or_json_are_only_names(store: Store) -> None:
    odd = ["a'b", 'quote"d', "x) OR 1=1 --", "ünï"]
    for minute, name in enumerate(odd):
        await store.record_attempt(attempt(name, minute=minute))
        await store.record_confirmation(Confirmation(name, TARGET, T0, REVISION_A, True))

    assert set(await store.last_attempts(odd)) == set(odd)
    assert set(await store.last_successful_attempts(odd[:1])) == {"a'b"}
    assert set(await store.confirmations(odd)) == set(odd)

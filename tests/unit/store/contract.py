"""Behaviour every ``Store`` must show; subclasses provide the ``store`` fixture.

The same tests run against ``MemoryStore`` (unit) and ``SqliteStore`` (integration), so the
fake that other layers test against cannot drift from the real thing.
"""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import UTC, datetime, timedelta, timezone

import pytest

from trueup.changeset import Action, ChangeSet, ObjectChange
from trueup.errors import StoreError
from trueup.failure import Reason
from trueup.gitspec import Commit
from trueup.objects import ObjectId
from trueup.store import (
    AppLock,
    Attempt,
    AttemptResult,
    Confirmation,
    InventoryEntry,
    Owner,
    Schedule,
    Store,
    Suspension,
    Trigger,
    mark_interrupted,
)

T0 = datetime(2025, 3, 1, 12, 0, 0, tzinfo=UTC)
WEB = ObjectId("apps", "Deployment", "shop", "web")
SVC = ObjectId("", "Service", "shop", "web")
NS = ObjectId("", "Namespace", "", "shop")
REVISION_A = "main@sha1:" + "a" * 40
REVISION_B = "main@sha1:" + "b" * 40
TARGET = "dev@https://127.0.0.1:6443"


def attempt(
    app: str = "shop",
    *,
    minute: int = 0,
    result: AttemptResult = AttemptResult.SUCCEEDED,
    revision: str | None = REVISION_A,
    changes: tuple[ObjectChange, ...] = (),
    error: str = "",
    reason: Reason | None = None,
    owner: str = "",
) -> Attempt:
    """An attempt of ``app`` started ``minute`` minutes after T0, lasting two seconds."""
    started = T0 + timedelta(minutes=minute)
    return Attempt(
        app=app,
        started_at=started,
        finished_at=started + timedelta(seconds=2),
        revision=revision,
        trigger=str(Trigger.cli("alice")),
        result=result,
        plan_summary="1 to create",
        changes=ChangeSet(changes),
        health="Healthy",
        duration_s=2.0,
        error=error,
        reason=reason,
        target=TARGET,
        owner=owner,
    )


def started(app: str = "shop", *, owner: Owner | None = None) -> Attempt:
    """An attempt of ``app`` that has just started (``running``), owned by ``owner``."""
    return dataclasses.replace(
        attempt(app, revision=None, owner=str(owner or Owner.current())),
        result=AttemptResult.RUNNING,
        finished_at=T0,
        plan_summary="",
        health="",
        duration_s=0.0,
    )


GONE = Owner("some-host", "boot", 4242, 7)
"""An owner the tests below declare gone (they pass their own ``gone``)."""

TTL = timedelta(seconds=30)
DAEMON = str(Owner("host-a", "boot", 100, 1))
CLI = str(Owner("host-a", "boot", 200, 2))


async def lock(
    store: Store,
    token: str,
    *,
    app: str = "shop",
    at: datetime = T0,
    owner: str = DAEMON,
    purpose: str = "daemon",
) -> AppLock:
    """What ``try_lock`` of ``app`` with ``token`` at ``at`` (for ``TTL``) returns."""
    return await store.try_lock(app, owner=owner, token=token, purpose=purpose, now=at, ttl=TTL)


class StoreContract:
    """The behaviour of ``trueup.store.Store``."""

    pytestmark = pytest.mark.anyio

    async def test_recorded_attempt_comes_back_whole_with_its_change_set_in_order(
        self, store: Store
    ) -> None:
        changes = (
            ObjectChange(NS, Action.UNCHANGED),
            ObjectChange(WEB, Action.CONFIGURED),
            ObjectChange(SVC, Action.FAILED, "dry-run refused: spec.ports[0].port: Invalid"),
        )
        original = attempt(changes=changes, error="1 object failed", reason=Reason.INVALID)
        attempt_id = await store.record_attempt(original)
        [back] = await store.history("shop")
        assert back.id == attempt_id
        assert back == dataclasses.replace(original, id=attempt_id)
        assert back.changes.changes == changes

    async def test_an_attempt_keeps_its_commit_s_author_subject_and_time_in_utc(
        self, store: Store
    ) -> None:
        at = datetime(2026, 11, 30, 10, 15, 42, tzinfo=timezone(timedelta(hours=1)))
        commit = Commit("a" * 40, "Ana Lima", "ana@example.com", "Scale web to 3", at)
        with_commit = await store.record_attempt(dataclasses.replace(attempt(), commit=commit))
        without = await store.record_attempt(attempt(minute=1))
        newest, oldest = await store.history("shop")
        assert (newest.id, newest.commit) == (without, None)
        assert (oldest.id, oldest.commit) == (with_commit, commit)
        assert oldest.commit is not None
        assert oldest.commit.committed_at == datetime(2026, 11, 30, 9, 15, 42, tzinfo=UTC)

    async def test_a_running_attempt_gets_its_commit_once_the_source_was_read(
        self, store: Store
    ) -> None:
        await store.record_attempt(started())
        [running] = await store.history("shop")
        assert running.commit is None
        commit = Commit("b" * 40, "Bo Chen", "", "Add a Service", T0)
        read = dataclasses.replace(running, revision=REVISION_B, commit=commit)
        assert await store.update_attempt(read)
        assert await store.running_attempts() == [read]
        assert await store.last_attempt("shop") == read

    async def test_history_is_newest_first_and_honours_the_limit(self, store: Store) -> None:
        for minute in (5, 1, 9, 3):
            await store.record_attempt(attempt(minute=minute))
        history = await store.history("shop")
        assert [a.started_at.minute for a in history] == [9, 5, 3, 1]
        assert [a.started_at.minute for a in await store.history("shop", limit=2)] == [9, 5]

    async def test_attempts_started_at_the_same_time_come_back_latest_recorded_first(
        self, store: Store
    ) -> None:
        first = await store.record_attempt(attempt(minute=1))
        second = await store.record_attempt(attempt(minute=1))
        assert [a.id for a in await store.history("shop")] == [second, first]

    async def test_history_of_one_app_leaves_out_other_apps(self, store: Store) -> None:
        await store.record_attempt(attempt("shop"))
        await store.record_attempt(attempt("billing"))
        assert {a.app for a in await store.history("shop")} == {"shop"}
        assert await store.history("nobody") == []

    async def test_last_successful_ignores_later_failures_and_skips(self, store: Store) -> None:
        await store.record_attempt(attempt(minute=1, revision=REVISION_A))
        await store.record_attempt(
            attempt(minute=2, revision=REVISION_B, result=AttemptResult.FAILED, error="boom")
        )
        await store.record_attempt(attempt(minute=3, revision=None, result=AttemptResult.SKIPPED))
        last_good = await store.last_successful("shop")
        assert last_good is not None
        assert last_good.revision == REVISION_A
        last = await store.last_attempt("shop")
        assert last is not None
        assert last.result is AttemptResult.SKIPPED

    async def test_an_app_that_never_ran_has_no_last_attempt(self, store: Store) -> None:
        await store.record_attempt(attempt("shop", result=AttemptResult.FAILED))
        assert await store.last_attempt("billing") is None
        assert await store.last_successful("shop") is None

    async def test_apps_lists_every_app_with_history_or_inventory_once(self, store: Store) -> None:
        await store.record_attempt(attempt("shop"))
        await store.record_attempt(attempt("shop", minute=1))
        await store.record_attempt(attempt("billing"))
        await store.replace_inventory("auth", [InventoryEntry(NS, "v1")])
        assert await store.apps() == ["auth", "billing", "shop"]

    async def test_replaced_inventory_comes_back_sorted_by_id(self, store: Store) -> None:
        entries = [InventoryEntry(WEB, "apps/v1"), InventoryEntry(SVC, "v1")]
        await store.replace_inventory("shop", entries)
        assert await store.inventory("shop") == tuple(sorted(entries))
        await store.replace_inventory("shop", [InventoryEntry(NS, "v1")])
        assert await store.inventory("shop") == (InventoryEntry(NS, "v1"),)
        assert await store.inventory("billing") == ()

    async def test_inventory_listing_an_object_twice_is_refused_and_the_old_one_kept(
        self, store: Store
    ) -> None:
        old = (InventoryEntry(NS, "v1"),)
        await store.replace_inventory("shop", old)
        twice = [InventoryEntry(SVC, "v1"), InventoryEntry(WEB, "apps/v1")] * 2
        with pytest.raises(StoreError, match=r"Deployment/shop/web.*previous inventory was kept"):
            await store.replace_inventory("shop", twice)
        assert await store.inventory("shop") == old

    async def test_inventories_of_two_apps_are_independent(self, store: Store) -> None:
        await store.replace_inventory("shop", [InventoryEntry(WEB, "apps/v1")])
        await store.replace_inventory("billing", [InventoryEntry(SVC, "v1")])
        await store.replace_inventory("shop", [])
        assert await store.inventory("shop") == ()
        assert await store.inventory("billing") == (InventoryEntry(SVC, "v1"),)

    async def test_concurrent_coroutines_lose_no_attempt(self, store: Store) -> None:
        ids = await asyncio.gather(
            *(store.record_attempt(attempt(f"app-{i % 5}", minute=i)) for i in range(60))
        )
        assert len(set(ids)) == 60
        for n in range(5):
            assert len(await store.history(f"app-{n}", limit=1000)) == 12

    async def test_the_installation_id_is_made_once_and_then_kept(self, store: Store) -> None:
        first = await store.installation_id()
        assert len(first) == 12
        assert int(first, 16) >= 0
        assert await store.installation_id() == first

    async def test_a_closed_store_refuses_every_call(self, store: Store) -> None:
        await store.close()
        await store.close()
        with pytest.raises(StoreError, match="closed"):
            await store.history("shop")
        with pytest.raises(StoreError, match="closed"):
            await store.record_attempt(attempt())

    async def test_a_started_attempt_is_completed_in_place_with_its_change_set(
        self, store: Store
    ) -> None:
        attempt_id = await store.record_attempt(started())
        [running] = await store.history("shop")
        assert running.result is AttemptResult.RUNNING
        assert await store.running_attempts() == [running]
        assert await store.running_attempts(not_owned_by=running.owner) == []
        assert await store.running_attempts(not_owned_by=running.owner + "-other") == [running]
        done = attempt(
            changes=(ObjectChange(WEB, Action.CREATED),),
            result=AttemptResult.FAILED,
            error="timed out",
            reason=Reason.TIMEOUT,
        )
        assert await store.update_attempt(dataclasses.replace(done, id=attempt_id))
        assert await store.history("shop") == [dataclasses.replace(done, id=attempt_id)]
        assert await store.running_attempts() == []

    async def test_a_finished_attempt_is_never_changed_again(self, store: Store) -> None:
        attempt_id = await store.record_attempt(attempt(result=AttemptResult.FAILED))
        [before] = await store.history("shop")
        later = dataclasses.replace(before, result=AttemptResult.SUCCEEDED, id=attempt_id)
        assert not await store.update_attempt(later)
        assert not await store.update_attempt(dataclasses.replace(later, id=attempt_id + 99))
        assert await store.history("shop") == [before]

    async def test_attempts_of_owners_provably_gone_are_recorded_as_interrupted(
        self, store: Store
    ) -> None:
        dead = await store.record_attempt(started("shop", owner=GONE))
        alive = await store.record_attempt(started("billing"))
        marked = await mark_interrupted(store, gone=lambda owner: owner == GONE)
        assert [a.id for a in marked] == [dead]
        [interrupted] = await store.history("shop")
        assert interrupted.result is AttemptResult.INTERRUPTED
        assert interrupted.reason is Reason.INTERRUPTED
        assert str(GONE) in interrupted.error
        assert interrupted.target == TARGET, "what is known of it is kept"
        assert [a.id for a in await store.running_attempts()] == [alive]
        assert await mark_interrupted(store, gone=lambda owner: owner == GONE) == []

    async def test_a_live_owner_s_attempt_is_never_marked_interrupted(self, store: Store) -> None:
        await store.record_attempt(started(owner=Owner.current()))
        assert await mark_interrupted(store) == []
        [still] = await store.running_attempts()
        assert still.result is AttemptResult.RUNNING

    async def test_an_attempt_of_another_host_is_never_marked_interrupted(
        self, store: Store
    ) -> None:
        here = Owner.current()
        elsewhere = dataclasses.replace(here, host=here.host + "-other", pid=1 << 30)
        await store.record_attempt(started(owner=elsewhere))
        assert await mark_interrupted(store) == []
        assert len(await store.running_attempts()) == 1

    async def test_the_inventory_remembers_its_target_until_it_is_emptied(
        self, store: Store
    ) -> None:
        assert await store.inventory_target("shop") == ""
        await store.replace_inventory("shop", [InventoryEntry(WEB, "apps/v1")], target=TARGET)
        assert await store.inventory_target("shop") == TARGET
        assert await store.inventory_target("billing") == ""
        await store.replace_inventory("shop", [], target=TARGET)
        assert await store.inventory_target("shop") == ""

    async def test_the_last_confirmation_of_an_app_replaces_the_previous_one(
        self, store: Store
    ) -> None:
        assert await store.confirmation("shop") is None
        first = Confirmation("shop", TARGET, T0, REVISION_A, in_sync=True, health="Healthy")
        second = Confirmation("shop", TARGET, T0 + timedelta(minutes=1), REVISION_B, False)
        await store.record_confirmation(first)
        await store.record_confirmation(second)
        await store.record_confirmation(dataclasses.replace(first, app="billing"))
        assert await store.confirmation("shop") == second
        assert await store.confirmation("billing") == dataclasses.replace(first, app="billing")

    async def test_a_free_lock_is_taken_and_listed(self, store: Store) -> None:
        taken = await lock(store, "t1")
        assert taken == AppLock("shop", DAEMON, "t1", "daemon", T0, T0 + TTL)
        assert await store.locks() == [taken]

    async def test_a_lock_in_force_is_refused_to_another_token_and_left_as_it_was(
        self, store: Store
    ) -> None:
        held = await lock(store, "t1")
        refused = await lock(store, "t2", at=T0 + TTL / 2, owner=CLI, purpose="cli:alice")
        assert refused == held
        assert await store.locks() == [held]

    async def test_an_expired_lock_is_taken_over_from_the_moment_it_expires(
        self, store: Store
    ) -> None:
        await lock(store, "t1")
        refused = await lock(store, "t2", at=T0 + TTL - timedelta(microseconds=1), owner=CLI)
        assert refused.token == "t1"
        taken = await lock(store, "t2", at=T0 + TTL, owner=CLI, purpose="cli:alice")
        assert taken == AppLock("shop", CLI, "t2", "cli:alice", T0 + TTL, T0 + 2 * TTL)
        assert await store.locks() == [taken]

    async def test_taking_a_lock_again_with_its_token_renews_it_and_keeps_when_it_was_taken(
        self, store: Store
    ) -> None:
        await lock(store, "t1")
        again = await lock(store, "t1", at=T0 + timedelta(seconds=10))
        assert (again.acquired_at, again.expires_at) == (T0, T0 + timedelta(seconds=10) + TTL)
        assert await store.locks() == [again]

    async def test_locks_of_different_apps_are_independent(self, store: Store) -> None:
        shop = await lock(store, "t1", app="shop")
        billing = await lock(store, "t2", app="billing")
        assert billing.token == "t2"
        assert await store.locks() == [billing, shop]

    async def test_of_many_coroutines_racing_for_a_lock_exactly_one_gets_it(
        self, store: Store
    ) -> None:
        results = await asyncio.gather(*(lock(store, f"t{n}") for n in range(20)))
        assert len({r.token for r in results}) == 1
        assert await store.locks() == [results[0]]

    async def test_a_renewal_extends_the_lock_while_it_is_ours(self, store: Store) -> None:
        await lock(store, "t1")
        later = T0 + TTL * 2  # expired, but nobody took it: still ours
        assert await store.renew_lock("shop", token="t1", now=later, ttl=TTL)
        [renewed] = await store.locks()
        assert (renewed.token, renewed.acquired_at, renewed.expires_at) == ("t1", T0, later + TTL)
        assert (await lock(store, "t2", at=later + TTL / 2)).token == "t1"

    async def test_a_renewal_fails_once_the_lock_was_taken_or_broken(self, store: Store) -> None:
        await lock(store, "t1")
        taken = await lock(store, "t2", at=T0 + TTL)
        assert not await store.renew_lock("shop", token="t1", now=T0 + TTL, ttl=TTL)
        assert await store.locks() == [taken]
        assert await store.break_lock("shop", token="t2")
        assert not await store.renew_lock("shop", token="t2", now=T0 + TTL, ttl=TTL)
        assert not await store.renew_lock("billing", token="t1", now=T0, ttl=TTL)
        assert await store.locks() == []

    async def test_a_release_frees_only_the_lock_taken_with_its_token(self, store: Store) -> None:
        held = await lock(store, "t1")
        await store.release_lock("shop", token="t2")
        await store.release_lock("billing", token="t1")
        assert await store.locks() == [held]
        await store.release_lock("shop", token="t1")
        assert await store.locks() == []
        await store.release_lock("shop", token="t1")
        assert (await lock(store, "t2", at=T0 + timedelta(seconds=1))).token == "t2"

    async def test_a_lock_is_broken_only_while_the_token_named_still_holds_it(
        self, store: Store
    ) -> None:
        await lock(store, "t1")
        taken = await lock(store, "t2", at=T0 + TTL)
        assert not await store.break_lock("shop", token="t1"), "t1 lost it already"
        assert await store.locks() == [taken]
        assert await store.break_lock("shop", token="t2")
        assert not await store.break_lock("shop", token="t2")
        assert await store.locks() == []

    async def test_lock_times_come_back_in_utc(self, store: Store) -> None:
        plus_two = timezone(timedelta(hours=2))
        taken = await lock(store, "t1", at=T0.astimezone(plus_two))
        [listed] = await store.locks()
        assert listed == taken == AppLock("shop", DAEMON, "t1", "daemon", T0, T0 + TTL)
        assert listed.acquired_at.utcoffset() == listed.expires_at.utcoffset() == timedelta(0)

    async def test_a_naive_time_or_a_ttl_that_is_not_positive_is_refused(
        self, store: Store
    ) -> None:
        naive = datetime(2025, 3, 1, 12, 0)  # naive on purpose
        with pytest.raises(ValueError, match="timezone-aware"):
            await lock(store, "t1", at=naive)
        with pytest.raises(ValueError, match="positive"):
            await store.try_lock("shop", owner=DAEMON, token="t1", purpose="", now=T0, ttl=-TTL)
        await lock(store, "t1")
        with pytest.raises(ValueError, match="timezone-aware"):
            await store.renew_lock("shop", token="t1", now=naive, ttl=TTL)
        with pytest.raises(ValueError, match="positive"):
            await store.renew_lock("shop", token="t1", now=T0, ttl=timedelta(0))
        assert await store.locks() == [AppLock("shop", DAEMON, "t1", "daemon", T0, T0 + TTL)]

    async def test_a_suspension_comes_back_until_the_app_is_resumed(self, store: Store) -> None:
        assert await store.suspensions() == {}
        plus_two = timezone(timedelta(hours=2))
        shop = await store.suspend("shop", by="cli:alice", at=T0.astimezone(plus_two), reason="x")
        assert shop == Suspension("shop", "cli:alice", T0, "x")
        assert shop.at.utcoffset() == timedelta(0)
        billing = await store.suspend("billing", by="cli:bob", at=T0)
        assert await store.suspensions() == {"billing": billing, "shop": shop}
        assert list(await store.suspensions()) == ["billing", "shop"]
        assert await store.resume("shop")
        assert not await store.resume("shop")
        assert not await store.resume("nobody")
        assert await store.suspensions() == {"billing": Suspension("billing", "cli:bob", T0, "")}

    async def test_suspending_a_suspended_app_keeps_and_returns_the_first_suspension(
        self, store: Store
    ) -> None:
        first = await store.suspend("shop", by="cli:alice", at=T0, reason="incident 42")
        again = await store.suspend("shop", by="cli:bob", at=T0 + TTL, reason="")
        assert again == first
        assert await store.suspensions() == {"shop": first}

    async def test_apps_lists_a_suspended_app_that_never_ran_but_not_a_locked_one(
        self, store: Store
    ) -> None:
        await store.record_attempt(attempt("shop"))
        await store.suspend("shop", by="cli:alice", at=T0)
        await store.suspend("auth", by="cli:alice", at=T0)
        await lock(store, "t1", app="billing")
        assert await store.apps() == ["auth", "shop"]
        await store.resume("auth")
        assert await store.apps() == ["shop"]

    async def test_forgetting_an_app_keeps_only_its_history(self, store: Store) -> None:
        await store.record_attempt(attempt("shop"))
        await store.replace_inventory("shop", [InventoryEntry(WEB, "apps/v1")], target=TARGET)
        await store.record_confirmation(Confirmation("shop", TARGET, T0, REVISION_A, True))
        await store.suspend("shop", by="cli:alice", at=T0)
        await lock(store, "t1")
        await store.replace_inventory("billing", [InventoryEntry(SVC, "v1")], target=TARGET)

        await store.forget("shop")

        assert await store.inventory("shop") == ()
        assert await store.inventory_target("shop") == ""
        assert await store.confirmation("shop") is None
        assert await store.suspensions() == {}
        assert await store.locks() == []
        assert [a.app for a in await store.history("shop")] == ["shop"]
        assert await store.inventory("billing") == (InventoryEntry(SVC, "v1"),)

    async def test_a_schedule_is_replaced_by_the_next_and_forgotten_with_its_app(
        self, store: Store
    ) -> None:
        plus_two = timezone(timedelta(hours=2))
        first = Schedule("shop", DAEMON, T0.astimezone(plus_two), 0, T0)
        await store.record_schedule(first)
        assert await store.schedules() == {"shop": first}
        assert (await store.schedules())["shop"].next_at == T0
        suspended = Schedule("shop", DAEMON, None, 3, T0 + TTL)
        await store.record_schedule(suspended)
        await store.record_schedule(Schedule("auth", DAEMON, T0, 0, T0))
        assert list(await store.schedules()) == ["auth", "shop"]
        assert (await store.schedules())["shop"] == suspended
        assert await store.schedules(["shop", "nobody"]) == {"shop": suspended}
        assert await store.schedules([]) == {}
        await store.forget("shop")
        assert list(await store.schedules()) == ["auth"]

    async def test_a_closed_store_refuses_locks_and_suspensions(self, store: Store) -> None:
        await store.close()
        with pytest.raises(StoreError, match="closed"):
            await lock(store, "t1")
        with pytest.raises(StoreError, match="closed"):
            await store.suspensions()

"""``Store.record_outcome``: everything a sync records when it ends, in one transaction.

Subclasses provide the ``store`` fixture; the same tests run against ``MemoryStore`` (unit)
and ``SqliteStore`` (integration).
"""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest

from tests.unit.store.contract import GONE, NS, REVISION_A, SVC, T0, TARGET, WEB, attempt, started
from trueup.errors import StoreError
from trueup.store import (
    AttemptResult,
    Confirmation,
    InventoryEntry,
    Outcome,
    Revert,
    Store,
    mark_interrupted,
)

COMMIT = REVISION_A.rpartition("sha1:")[2]


def confirmation(app: str = "shop", *, health: str = "Healthy") -> Confirmation:
    return Confirmation(app, TARGET, T0, REVISION_A, in_sync=True, health=health)


def revert(app: str = "shop") -> Revert:
    """A revert of ``app`` whose commit is REVISION_A's."""
    return Revert(
        app=app,
        source="GitSource/deploy",
        branch="main",
        paths=("apps/shop",),
        revision="main@sha1:" + "c" * 40,
        commit=COMMIT,
        parent="d" * 40,
        by="cli:alice",
        at=T0 - timedelta(minutes=5),
    )


class OutcomeStoreContract:
    """The behaviour of ``Store.record_outcome``."""

    pytestmark = pytest.mark.anyio

    async def test_an_outcome_completes_its_attempt_with_inventory_comparison_reads_and_reverts(
        self, store: Store
    ) -> None:
        running_id = await store.record_attempt(started())
        pending = await store.record_revert(revert())
        other_app = await store.record_revert(revert("billing"))
        finished = dataclasses.replace(attempt(), id=running_id)
        inventory = (InventoryEntry(WEB, "apps/v1", "h1", "7"), InventoryEntry(SVC, "v1"))
        outcome = Outcome(
            "shop",
            attempt=finished,
            inventory=inventory,
            target=TARGET,
            confirmation=confirmation(),
            reads=frozenset({"apps/shop/deployment.yaml", "./base/kustomization.yaml"}),
        )

        assert await store.record_outcome(outcome) == running_id

        [recorded] = await store.history("shop")
        assert recorded == finished
        assert await store.inventory("shop") == tuple(sorted(inventory))
        assert await store.inventory_target("shop") == TARGET
        assert await store.confirmation("shop") == confirmation()
        assert await store.reads(running_id) == frozenset(
            {"apps/shop/deployment.yaml", "base/kustomization.yaml"}
        )
        assert await store.running_attempts() == []
        reverts = {r.id: r for r in [*await store.reverts("shop"), *await store.reverts("billing")]}
        assert reverts[pending].applied_at == finished.finished_at
        assert reverts[pending].applied_revision == REVISION_A
        assert reverts[other_app].pending

    async def test_an_outcome_whose_attempt_was_marked_interrupted_is_recorded_as_its_own(
        self, store: Store
    ) -> None:
        running_id = await store.record_attempt(started(owner=GONE))
        await mark_interrupted(store, gone=lambda owner: owner == GONE)
        finished = dataclasses.replace(attempt(), id=running_id)

        new_id = await store.record_outcome(
            Outcome("shop", attempt=finished, reads=frozenset({"apps/shop"}))
        )

        assert new_id is not None
        assert new_id != running_id
        results = sorted((a.id, a.result) for a in await store.history("shop"))
        assert results == [
            (running_id, AttemptResult.INTERRUPTED),
            (new_id, AttemptResult.SUCCEEDED),
        ]
        assert await store.reads(new_id) == frozenset({"apps/shop"})
        assert await store.reads(running_id) is None

    async def test_an_outcome_with_an_object_listed_twice_writes_nothing_at_all(
        self, store: Store
    ) -> None:
        running_id = await store.record_attempt(started())
        await store.replace_inventory("shop", [InventoryEntry(NS, "v1")], target=TARGET)
        finished = dataclasses.replace(attempt(), id=running_id)
        twice = (InventoryEntry(WEB, "apps/v1"), InventoryEntry(WEB, "apps/v1", "h", "2"))

        with pytest.raises(StoreError, match="more than once"):
            await store.record_outcome(
                Outcome(
                    "shop",
                    attempt=finished,
                    inventory=twice,
                    target=TARGET,
                    confirmation=confirmation(),
                )
            )

        assert await store.inventory("shop") == (InventoryEntry(NS, "v1"),)
        assert await store.confirmation("shop") is None
        [still] = await store.running_attempts()
        assert still.id == running_id

    async def test_an_outcome_without_an_attempt_only_writes_what_it_holds(
        self, store: Store
    ) -> None:
        await store.replace_inventory("shop", [InventoryEntry(NS, "v1")], target=TARGET)

        found = await store.record_outcome(
            Outcome("shop", confirmation=confirmation(health="Progressing"))
        )

        assert found is None
        assert await store.inventory("shop") == (InventoryEntry(NS, "v1"),)
        assert await store.confirmation("shop") == confirmation(health="Progressing")
        assert await store.history("shop") == []

    async def test_an_outcome_with_an_empty_inventory_leaves_the_app_owning_nothing(
        self, store: Store
    ) -> None:
        await store.replace_inventory("shop", [InventoryEntry(NS, "v1")], target=TARGET)

        await store.record_outcome(Outcome("shop", inventory=(), target=TARGET))

        assert await store.inventory("shop") == ()
        assert await store.inventory_target("shop") == ""

    async def test_what_a_comparison_knows_updates_inventory_entries_and_adds_none(
        self, store: Store
    ) -> None:
        before = (InventoryEntry(WEB, "apps/v1", "h1", "7"), InventoryEntry(SVC, "v1"))
        await store.replace_inventory("shop", before, target=TARGET)
        await store.replace_inventory("billing", [InventoryEntry(WEB, "apps/v1")], target=TARGET)

        known = {WEB: ("h1", "9"), NS: ("h3", "2")}  # NS: not in the inventory
        await store.record_outcome(Outcome("shop", confirmation=confirmation(), known=known))

        assert await store.inventory("shop") == tuple(
            sorted((InventoryEntry(WEB, "apps/v1", "h1", "9"), InventoryEntry(SVC, "v1")))
        )
        assert await store.inventory("billing") == (InventoryEntry(WEB, "apps/v1"),)
        assert await store.inventory_target("shop") == TARGET
        assert await store.confirmation("shop") == confirmation()


def test_an_outcome_refuses_records_of_another_app() -> None:
    with pytest.raises(ValueError, match="billing"):
        Outcome("shop", confirmation=confirmation("billing"))
    with pytest.raises(ValueError, match="billing"):
        Outcome("shop", attempt=attempt("billing"))

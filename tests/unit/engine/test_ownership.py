"""``Engine.sync`` on fakes: two Apps claiming one object, takeover, adoption, installations,
Namespaces that hold other objects, and prunes that outlive a failed apply."""

from __future__ import annotations

from typing import Any

import pytest

from tests.unit.engine.harness import Harness, actions, configmap, namespace
from trueup.changeset import Action
from trueup.config import load_config
from trueup.engine import Engine, SyncOptions
from trueup.errors import ObjectInvalidError
from trueup.failure import Reason
from trueup.objects import TRACKING_ANNOTATION, ObjectId
from trueup.store import AttemptResult, MemoryStore

pytestmark = pytest.mark.anyio

SETTINGS = ObjectId("", "ConfigMap", "shop", "settings")
INVOICES = ObjectId("", "ConfigMap", "shop", "invoices")
TEAM = ObjectId("", "Namespace", "", "team")


def annotated(obj: dict[str, Any], **annotations: str) -> dict[str, Any]:
    obj["metadata"]["annotations"] = annotations
    return obj


async def web_owns_settings(harness: Harness) -> None:
    harness.app("web", namespace="shop")
    harness.app("billing", namespace="shop")
    harness.target.put(namespace("shop"))
    harness.commit({"web/cm.yaml": configmap("settings", color="blue")})
    assert (await harness.sync("web")).ok


async def test_a_second_app_claiming_an_object_fails_naming_the_owner_before_applying(
    harness: Harness,
) -> None:
    await web_owns_settings(harness)
    harness.commit(
        {
            "web/cm.yaml": configmap("settings", color="blue"),
            "billing/cm.yaml": [configmap("settings", color="green"), configmap("invoices")],
        }
    )

    report = await harness.sync("billing")

    assert report.failure is not None
    assert report.failure.reason is Reason.OWNERSHIP
    assert not report.failure.temporary
    assert "ConfigMap/shop/settings belongs to App/web" in report.error
    assert harness.live("ConfigMap", "shop", "invoices") is None
    live = harness.live("ConfigMap", "shop", "settings")
    assert live is not None
    assert live["data"] == {"color": "blue"}
    [attempt] = await harness.history("billing")
    assert (attempt.result, attempt.reason) == (AttemptResult.FAILED, Reason.OWNERSHIP)
    assert await harness.inventory("billing") == ()


async def test_with_the_takeover_annotation_the_object_moves_and_history_names_the_old_owner(
    harness: Harness,
) -> None:
    await web_owns_settings(harness)
    taken = annotated(configmap("settings", color="green"), **{"trueup.dev/takeover": "true"})
    harness.commit({"web/cm.yaml": configmap("settings", color="blue"), "billing/cm.yaml": taken})

    report = await harness.sync("billing")

    assert report.ok, report.error
    assert actions(report) == {SETTINGS: Action.ADOPTED}
    [attempt] = await harness.history("billing")
    [change] = attempt.changes.changes
    assert (change.action, change.reason) == (Action.ADOPTED, "taken over from App/web")
    assert [e.id for e in await harness.inventory("billing")] == [SETTINGS]
    web_again = await harness.sync("web")
    assert "ConfigMap/shop/settings belongs to App/billing" in web_again.error


async def test_an_object_without_identity_is_adopted_or_refused_as_the_app_says(
    harness: Harness,
) -> None:
    harness.app("web", namespace="shop", adopt=False)
    harness.target.put(namespace("shop"))
    harness.target.put(configmap("settings", namespace="shop", color="by-hand"))
    harness.commit({"web/cm.yaml": configmap("settings", color="blue")})

    refused = await harness.sync()

    assert refused.failure is not None
    assert refused.failure.reason is Reason.OWNERSHIP
    assert "exists without trueup's identity" in refused.error

    harness.app("web", namespace="shop")
    adopted = await harness.sync()

    assert adopted.ok, adopted.error
    assert actions(adopted) == {SETTINGS: Action.ADOPTED}
    live = harness.live("ConfigMap", "shop", "settings")
    assert live is not None
    assert live["data"] == {"color": "blue"}
    assert (await harness.sync()).changes.counts() == {Action.UNCHANGED: 1}


async def test_objects_of_another_installation_are_never_taken_for_its_own(
    harness: Harness,
) -> None:
    await web_owns_settings(harness)
    harness.store = MemoryStore()  # another store is another installation

    report = await harness.sync("web")

    assert report.failure is not None
    assert report.failure.reason is Reason.OWNERSHIP
    assert "belongs to App/web of trueup installation" in report.error
    live = harness.live("ConfigMap", "shop", "settings")
    assert live is not None
    assert TRACKING_ANNOTATION in live["metadata"]["annotations"]


async def test_a_pinned_installation_id_lets_a_new_store_sync_what_an_old_one_applied(
    harness: Harness,
) -> None:
    harness.app("web", namespace="shop")
    harness.target.put(namespace("shop"))
    harness.commit({"web/cm.yaml": configmap("settings", color="blue")})
    config = load_config(harness.config_file())

    for store in (MemoryStore(), MemoryStore()):
        engine = Engine(config, store, harness.source, harness.targets, installation="ci")
        report = await engine.sync("web", SyncOptions(), harness.progress.append)
        assert report.ok, report.error

    live = harness.live("ConfigMap", "shop", "settings")
    assert live is not None
    assert live["metadata"]["annotations"][TRACKING_ANNOTATION].startswith("ci:web:")


async def test_a_namespace_holding_another_clients_object_is_kept_until_it_is_empty(
    harness: Harness,
) -> None:
    harness.app("web", namespace="shop")
    harness.target.put(namespace("shop"))
    harness.commit({"web/ns.yaml": namespace("team"), "web/cm.yaml": configmap("settings")})
    assert (await harness.sync()).ok
    harness.target.put(configmap("theirs", namespace="team"))
    harness.commit({"web/cm.yaml": configmap("settings")})

    kept = await harness.sync()

    assert kept.ok, kept.error
    [change] = [c for c in kept.changes.changes if c.id == TEAM]
    assert change.action is Action.SKIPPED
    assert "ConfigMap/team/theirs" in change.reason
    assert harness.live("Namespace", "", "team") is not None
    assert TEAM in {e.id for e in await harness.inventory()}

    await harness.target.delete(ObjectId("", "ConfigMap", "team", "theirs"))
    pruned = await harness.sync()

    assert actions(pruned)[TEAM] is Action.PRUNED


async def test_a_prune_that_never_ran_because_the_apply_failed_stays_in_the_inventory(
    harness: Harness,
) -> None:
    harness.app("web", namespace="shop")
    harness.target.put(namespace("shop"))
    harness.commit({"web/cm.yaml": [configmap("settings"), configmap("invoices")]})
    assert (await harness.sync()).ok
    harness.commit({"web/cm.yaml": configmap("settings", color="red")})
    harness.target.fail(
        "apply", ObjectInvalidError("ConfigMap/shop/settings: invalid"), ref=SETTINGS
    )

    failed = await harness.sync()

    assert not failed.ok
    assert INVOICES in {e.id for e in await harness.inventory()}
    assert harness.live("ConfigMap", "shop", "invoices") is not None

    retried = await harness.sync()

    assert retried.ok, retried.error
    assert actions(retried)[INVOICES] is Action.PRUNED
    assert INVOICES not in {e.id for e in await harness.inventory()}

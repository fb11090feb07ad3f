"""``spec.serviceAccountName``: every request of the App's sync acts as its ServiceAccount."""

from __future__ import annotations

import pytest

from tests.unit.engine.harness import Harness, configmap

pytestmark = pytest.mark.anyio

USER = "system:serviceaccount:shop:deployer"


async def test_an_app_with_a_service_account_is_applied_through_the_impersonating_target(
    harness: Harness,
) -> None:
    harness.app("web", namespace="shop", serviceAccountName="deployer")
    tenant = harness.targets.get(impersonate=USER)
    tenant.put({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop"}})
    harness.commit({"web/cm.yaml": configmap("settings", color="blue")})

    report = await harness.sync()

    assert report.ok, report.error
    assert [o["metadata"]["name"] for o in tenant.objects() if o["kind"] == "ConfigMap"] == [
        "settings"
    ]
    assert harness.live("ConfigMap", "shop", "settings") is None  # not as trueup itself
    assert set(harness.targets.targets) == {(None, None, None), (None, None, USER)}

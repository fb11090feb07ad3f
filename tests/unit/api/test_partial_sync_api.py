"""``POST /api/apps/{name}/sync`` with ``objects``: a partial sync through the daemon on
the in-package fakes, and the bodies it refuses."""

from __future__ import annotations

import pytest

from tests.unit.api.test_api_on_fakes import OPERATOR, Served, served
from trueup.objects import ObjectId

__all__ = ["served"]

pytestmark = pytest.mark.anyio


async def test_a_sync_of_named_objects_applies_only_those_and_is_recorded_as_partial(
    served: Served,
) -> None:
    harness = served.harness
    await harness.target.delete(ObjectId("", "ConfigMap", "shop", "web"))
    path = "/api/apps/web/sync"

    secret = await served.call("POST", path, OPERATOR, {"objects": ["Secret/shop/web-db"]})
    assert secret.status_code == 200, secret.text
    assert secret.json()["summary"] == "only Secret/shop/web-db: 1 unchanged"
    assert harness.live("ConfigMap", "shop", "web") is None

    answer = await served.call("POST", path, OPERATOR, {"objects": ["ConfigMap/shop/web"]})

    assert answer.status_code == 200, answer.text
    report = answer.json()
    assert report["error"] == ""
    assert report["only"] == ["ConfigMap/shop/web"]
    assert report["summary"] == "only ConfigMap/shop/web: 1 created"
    assert harness.live("ConfigMap", "shop", "web") is not None
    history = (await served.call("GET", "/api/apps/web/history", OPERATOR)).json()["items"]
    assert (history[0]["only"], history[0]["trigger"]) == (["ConfigMap/shop/web"], "api:ops")
    assert history[-1]["only"] == [], "the daemon's own sync of the whole App"


async def test_an_object_the_app_does_not_render_is_refused_in_the_report(served: Served) -> None:
    answer = await served.call(
        "POST", "/api/apps/web/sync", OPERATOR, {"objects": ["ConfigMap/shop/nope"]}
    )

    assert answer.status_code == 200, answer.text
    failure = answer.json()["failure"]
    assert failure["reason"] == "config"
    assert "App/web does not render ConfigMap/shop/nope; it renders" in failure["message"]


@pytest.mark.parametrize(
    ("body", "says"),
    [
        ({"objects": []}, "objects: name at least one object"),
        ({"objects": ["settings"]}, "objects: 'settings' does not name an object"),
        ({"objects": "ConfigMap/shop/web"}, "objects: expected a list of strings or null"),
        ({"objects": [1]}, "objects: expected a list of strings or null"),
        ({"object": "ConfigMap/shop/web"}, "unknown field 'object'"),
    ],
)
async def test_a_body_that_names_no_object_is_a_bad_request(
    served: Served, body: dict[str, object], says: str
) -> None:
    answer = await served.call("POST", "/api/apps/web/sync", OPERATOR, body)

    assert answer.status_code == 400, answer.text
    assert says in answer.json()["error"]["message"]

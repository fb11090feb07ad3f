"""``POST /api/apps/{name}/rollback`` on the in-package fakes: operators only, a pin in the
store and a sync recorded as the token's, lifted again by ``…/resume``; bad bodies are 400s
that say what to give."""

from __future__ import annotations

import pytest

from tests.unit.api.test_api_on_fakes import OPERATOR, VIEWER, Served, served

pytestmark = pytest.mark.anyio

__all__ = ["served"]

PATH = "/api/apps/web/rollback"


async def test_an_operator_pins_an_app_and_resume_lifts_the_pin(served: Served) -> None:
    store = served.harness.store
    applied = await store.last_successful("web")
    assert applied is not None
    assert applied.revision is not None

    viewer = await served.call("POST", PATH, VIEWER, {"revision": applied.revision})
    assert viewer.status_code == 403
    assert await store.pins() == {}

    answer = await served.call("POST", PATH, OPERATOR, {"revision": applied.revision[-40:][:9]})

    assert answer.status_code == 200, answer.text
    data = answer.json()
    assert (data["mode"], data["revision"], data["by"]) == ("pin", applied.revision, "api:ops")
    assert data["report"]["failure"] is None
    pin = (await store.pins())["web"]
    assert (pin.revision, pin.by) == (applied.revision, "api:ops")
    last = await store.last_attempt("web")
    assert last is not None
    assert (last.revision, last.trigger) == (applied.revision, "api:ops")

    resumed = await served.call("POST", "/api/apps/web/resume", OPERATOR)
    assert resumed.json() == {"app": "web", "suspended": False, "resumed": False, "unpinned": True}
    assert await store.pins() == {}


@pytest.mark.parametrize(
    ("body", "said"),
    [
        ({}, "revision: give a revision"),
        ({"revision": "0badc0de"}, "trueup history web"),
        ({"revision": "main"}, "neither a revision nor a commit id prefix"),
        ({"revision": "x", "mode": "pin"}, "mode"),
    ],
)
async def test_a_bad_rollback_body_is_a_400_saying_what_to_give(
    served: Served, body: dict[str, str], said: str
) -> None:
    answer = await served.call("POST", PATH, OPERATOR, body)

    assert answer.status_code == 400, answer.text
    assert said in answer.json()["error"]["message"]
    assert await served.harness.store.pins() == {}

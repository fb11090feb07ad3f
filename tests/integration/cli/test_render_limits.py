"""The render limits are set on the command line or in the environment; a render that
crosses one fails naming the limit, while the same repository syncs within the defaults."""

from __future__ import annotations

import pytest

from tests.integration.engine.helpers import APP, PATH, World, configmap, manifest, run_trueup

pytestmark = pytest.mark.cluster


@pytest.mark.parametrize("given_by", ["option", "environment"])
def test_a_render_over_the_size_limit_set_by_the_user_fails_naming_it(
    world: World, given_by: str
) -> None:
    big = "x" * (600 * 1024)
    world.commit(
        "Add two large ConfigMaps",
        {
            f"{PATH}/big-a.yaml": manifest(configmap("big-a", {"blob": big})),
            f"{PATH}/big-b.yaml": manifest(configmap("big-b", {"blob": big})),
        },
    )

    if given_by == "option":
        refused = world.cli("--render-max-size", "1", "sync", APP, "-o", "json")
    else:
        env = {**world.env(), "TRUEUP_RENDER_MAX_SIZE": "1"}
        refused = run_trueup(world.argv("sync", APP, "-o", "json"), env)

    assert refused.code == 1, str(refused)
    failure = refused.json()["failure"]
    assert failure["reason"] == "render"
    assert "over the total limit of 1048576 bytes" in failure["message"]
    assert "raise the render size limit" in failure["message"]
    assert world.names("configmap") == {"kube-root-ca.crt"}
    world.sync()
    assert {"big-a", "big-b"} <= world.names("configmap")

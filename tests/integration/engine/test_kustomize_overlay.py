"""The Kustomize example (``examples/kustomize``) synced to the dev-cluster by the engine.

The overlay uses a component, a name prefix, labels, annotations, an image tag, a patch
file and a generated ConfigMap the Deployment refers to. Changing the ConfigMap's literal
in Git gives it a new hashed name: the Deployment must follow, and the old ConfigMap must
be pruned. An App that allows remote bases gets them through the engine too, trusting the
CA of its GitSource's Secret.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.integration.engine.helpers import PATH, World
from tests.servers.fixtures import ServedRepo
from tests.servers.git_http import GitHttpServer, TlsFiles
from tests.servers.gitrepo import WorkRepo, make_bare
from trueup.objects import LABEL_APP_NAME

pytestmark = pytest.mark.cluster

EXAMPLE = Path(__file__).parents[3] / "examples" / "kustomize"
OVERLAY = f"{PATH}/overlays/prod"
OVERLAY_FILE = f"{OVERLAY}/kustomization.yaml"


def example_files() -> dict[str, str]:
    """Every file of the example, keyed by its path in the world's repository."""
    return {
        f"{PATH}/{path.relative_to(EXAMPLE)}": path.read_text()
        for path in sorted(EXAMPLE.rglob("*"))
        if path.is_file()
    }


def generated(world: World) -> dict[str, dict[str, Any]]:
    """The live ConfigMaps generated from ``web-settings``, by name."""
    found = {}
    for name in world.names("configmap"):
        if name.startswith("prod-web-settings-"):
            live = world.live("configmap", name)
            assert live is not None
            found[name] = live
    return found


def referenced_configmap(world: World) -> str:
    deployment = world.live("deployment", "prod-web")
    assert deployment is not None
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    (source,) = container["envFrom"]
    return str(source["configMapRef"]["name"])


def sync(world: World) -> None:
    report = asyncio.run(world.engine_sync())
    assert report.ok, report.error


def test_the_kustomize_example_syncs_and_a_new_literal_rolls_the_deployment(
    world: World,
) -> None:
    world.commit("Add the Kustomize example", example_files())
    world.write_config(app={"path": OVERLAY})
    sync(world)

    deployment = world.live("deployment", "prod-web")
    assert deployment is not None
    assert deployment["spec"]["replicas"] == 2  # the overlay's patch file
    pod = deployment["spec"]["template"]
    (container,) = pod["spec"]["containers"]
    assert container["image"] == "example.invalid/shop/web:1.4.2"  # images:
    assert container["readinessProbe"]["httpGet"]["path"] == "/healthz"  # the component
    assert pod["metadata"]["labels"]["environment"] == "prod"  # labels:
    assert deployment["metadata"]["annotations"]["example.com/owner"] == "shop-team"
    assert deployment["metadata"]["labels"][LABEL_APP_NAME] == "web"  # owned by the App
    assert world.names("service") == {"prod-web"}

    (first,) = generated(world)
    assert referenced_configmap(world) == first
    assert generated(world)[first]["data"] == {
        "GREETING": "hello from prod",
        "LOG_LEVEL": "info",
    }

    overlay = example_files()[OVERLAY_FILE]
    assert "GREETING=hello from prod" in overlay
    world.commit(
        "Greet differently",
        {OVERLAY_FILE: overlay.replace("GREETING=hello from prod", "GREETING=hi from prod")},
    )
    sync(world)

    (second,) = generated(world)  # the old generated ConfigMap was pruned
    assert second != first
    assert referenced_configmap(world) == second
    assert generated(world)[second]["data"]["GREETING"] == "hi from prod"
    assert world.live("configmap", first) is None


@pytest.fixture
def remote_base(git_root: Path, git_tls: TlsFiles, tmp_path: Path) -> Iterator[str]:
    """The URL of a remote base (a ConfigMap) served anonymously by the test HTTPS server,
    whose CA is the one in the world's GitSource Secret."""
    bare = make_bare(git_root / f"engine-remote-{tmp_path.name}.git")
    served = ServedRepo(bare.name, bare, WorkRepo(tmp_path / "remote-work"))
    served.commit_and_push(
        "A base",
        {
            "base/kustomization.yaml": "resources: [configmap.yaml]\n",
            "base/configmap.yaml": (
                "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: shared}\n"
                "data: {origin: remote}\n"
            ),
        },
    )
    with GitHttpServer(git_root, tls=git_tls) as server:
        yield f"{server.url(bare.name)}//base?ref=main"


def test_an_app_that_allows_remote_bases_syncs_one_over_https(
    world: World, remote_base: str
) -> None:
    world.commit(
        "Use a remote base",
        {
            f"{PATH}/remote/kustomization.yaml": (
                f"resources:\n  - {remote_base}\nnamePrefix: team-\n"
            )
        },
    )
    world.write_config(app={"path": f"{PATH}/remote"})
    report = asyncio.run(world.engine_sync())
    assert not report.ok
    assert f"{PATH}/remote/kustomization.yaml: resources entry {remote_base!r}" in report.error
    assert "spec.kustomize.allowRemoteBases" in report.error
    assert world.live("configmap", "team-shared") is None

    world.write_config(app={"path": f"{PATH}/remote", "kustomize": {"allowRemoteBases": True}})
    sync(world)
    live = world.live("configmap", "team-shared")
    assert live is not None
    assert live["data"] == {"origin": "remote"}

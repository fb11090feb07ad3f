"""Refusals on the dev-cluster are classified, name the file, line, object and field, and
apply nothing of their stage: strict field validation, a value of the wrong type (which the
API server answers with a 500), and admission webhooks that deny or cannot be called.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.integration.engine.helpers import APP, PATH, World, deployment, manifest
from tests.servers.git_http import make_tls
from tests.servers.webhook import DenyingWebhook, closed_port, register, webhook_configuration

pytestmark = pytest.mark.cluster

DENIAL = "ConfigMaps in this namespace need an owner annotation"


def with_spec(**fields: Any) -> dict[str, Any]:
    """The web Deployment with ``fields`` set in its spec."""
    web = deployment()
    web["spec"].update(fields)
    return web


def nothing_applied(world: World) -> None:
    assert world.names("deployment") == set()
    assert world.names("service") == set()
    assert world.names("configmap") == {"kube-root-ca.crt"}


def test_a_typo_in_a_field_name_is_refused_naming_file_line_and_field(world: World) -> None:
    world.commit("Typo", {f"{PATH}/deployment.yaml": manifest(with_spec(replica=2))})

    run = world.cli("sync", APP, "-o", "json")

    assert run.code == 1, str(run)
    web = f"Deployment/{world.namespace}/web"
    expected = (
        f"{PATH}/deployment.yaml:1: {web} failed dry-run: "
        "spec.replica: field not declared in schema; fix the manifest"
    )
    report = run.json()
    assert report["error"] == expected
    assert report["failure"] == {"reason": "invalid", "temporary": False, "message": expected}
    assert f"error: {expected}" in run.stderr
    nothing_applied(world)
    history = world.cli("history", APP, "-o", "json").json()
    assert history[0]["error"] == expected


def test_a_string_where_a_number_belongs_is_invalid_input_not_an_outage(world: World) -> None:
    world.commit("Words", {f"{PATH}/deployment.yaml": manifest(with_spec(replicas="two"))})

    run = world.cli("sync", APP, "-o", "json")

    assert run.code == 1, str(run)
    report = run.json()
    assert report["failure"]["reason"] == "invalid"
    assert report["error"] == (
        f"{PATH}/deployment.yaml:1: Deployment/{world.namespace}/web failed dry-run: "
        "spec.replicas: expected numeric (int or float), got string; fix the manifest"
    )
    assert "overloaded" not in run.output
    nothing_applied(world)


@pytest.mark.parametrize(
    ("validation", "reason"),
    [("Warn", 'warning: unknown field "spec.replica"'), ("Ignore", None)],
)
def test_an_app_that_relaxes_validation_applies_without_the_unknown_field(
    world: World, validation: str, reason: str | None
) -> None:
    world.write_config(app={"fieldValidation": validation})
    world.commit("Typo", {f"{PATH}/deployment.yaml": manifest(with_spec(replica=2))})

    run = world.cli("sync", APP)

    assert run.code == 0, str(run)
    # The table shows the warning (wrapped to the terminal's width); history has it whole.
    assert ("warning:" in run.stdout) is (reason is not None)
    web = f"Deployment/{world.namespace}/web"
    history = world.cli("history", APP, "-o", "json").json()
    changes = {c["object"]: (c["action"], c["reason"]) for c in history[0]["changes"]}
    assert changes[web] == ("created", reason or "")
    live = world.live("deployment", "web")
    assert live is not None
    assert "replica" not in live["spec"]
    assert live["spec"]["replicas"] == 1


@pytest.fixture
def denying_webhook(world: World, tmp_path: Path) -> Iterator[DenyingWebhook]:
    """A webhook that denies every ConfigMap change in the world's namespace."""
    name = f"deny-{world.namespace}"
    with DenyingWebhook(tmp_path / "webhook", DENIAL) as webhook:
        configuration = webhook_configuration(
            name, webhook.url, webhook.tls.ca_pem, world.namespace
        )
        register(world.kube, configuration, world.namespace, says=DENIAL)
        try:
            yield webhook
        finally:
            world.kube.kubectl("delete", "validatingwebhookconfiguration", name)


def test_a_denying_webhook_is_a_permanent_denial_naming_the_object(
    world: World, denying_webhook: DenyingWebhook
) -> None:
    run = world.cli("sync", APP, "-o", "json")

    assert run.code == 1, str(run)
    report = run.json()
    settings = f"ConfigMap/{world.namespace}/settings"
    assert report["failure"]["reason"] == "denied"
    assert report["failure"]["temporary"] is False
    assert report["error"].startswith(f"{PATH}/settings.yaml:1: {settings} failed dry-run: ")
    assert f"denied the request: {DENIAL}" in report["error"]
    nothing_applied(world)
    assert denying_webhook.reviews, "the API server never called the webhook"


def test_a_prune_denied_by_a_webhook_is_denied_and_kept_for_the_next_sync(
    world: World, tmp_path: Path
) -> None:
    world.sync()
    world.commit("Drop the settings", {f"{PATH}/settings.yaml": None})
    name = f"keep-{world.namespace}"
    with DenyingWebhook(tmp_path / "webhook", DENIAL) as webhook:
        configuration = webhook_configuration(
            name, webhook.url, webhook.tls.ca_pem, world.namespace
        )
        register(world.kube, configuration, world.namespace, says=DENIAL)
        try:
            run = world.cli("sync", APP, "-o", "json")
        finally:
            world.kube.kubectl("delete", "validatingwebhookconfiguration", name)

    assert run.code == 1, str(run)
    report = run.json()
    settings = f"ConfigMap/{world.namespace}/settings"
    assert report["failure"]["reason"] == "denied"
    assert report["error"].startswith(f"{settings} could not be pruned: ")
    assert "settings" in world.names("configmap")
    assert world.sync().code == 0
    assert "settings" not in world.names("configmap")


def test_a_webhook_that_cannot_be_called_is_a_temporary_failure(
    world: World, tmp_path: Path
) -> None:
    name = f"down-{world.namespace}"
    url = f"https://127.0.0.1:{closed_port()}/validate"
    configuration = webhook_configuration(name, url, make_tls(tmp_path).ca_pem, world.namespace)
    register(world.kube, configuration, world.namespace, says="failed calling webhook")
    try:
        run = world.cli("sync", APP, "-o", "json")
    finally:
        world.kube.kubectl("delete", "validatingwebhookconfiguration", name)

    assert run.code == 1, str(run)
    report = run.json()
    assert report["failure"]["reason"] == "target-unavailable"
    assert report["failure"]["temporary"] is True
    assert f'the admission webhook "{name}.trueup.test" could not be called' in report["error"]
    assert "trueup retries" in report["error"]
    nothing_applied(world)

"""The substitution example (``examples/substitution``) synced to the dev-cluster with the
``trueup`` command: variables from the App, from a real ConfigMap and a real Secret in the
test's namespace, in strict mode; a value from the Secret, planted as a canary, shows in no
output of the CLI and not in the store file, wherever it lands."""

from __future__ import annotations

import base64
import json
import uuid
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.integration.engine.helpers import APP, PATH, WEB_FILES, Run, World, assert_nowhere

pytestmark = pytest.mark.cluster

EXAMPLE = Path(__file__).parents[3] / "examples" / "substitution"


def example_app_spec() -> dict[str, Any]:
    """The substitution fields of the example's App, as its ``trueup.yaml`` writes them."""
    docs = list(yaml.safe_load_all((EXAMPLE / "trueup.yaml").read_text()))
    (app,) = [doc for doc in docs if doc["kind"] == "App"]
    return {k: v for k, v in app["spec"].items() if k.startswith("substitute")}


def example_files() -> dict[str, str | None]:
    """The example's app folder at the world's path, replacing the files it started with."""
    files: dict[str, str | None] = dict.fromkeys(WEB_FILES)
    for path in sorted((EXAMPLE / "app").iterdir()):
        files[f"{PATH}/{path.name}"] = path.read_text()
    return files


def create_inputs(world: World, password: str) -> None:
    """The example's ConfigMap and Secret, the Secret holding ``password``."""
    docs = list(yaml.safe_load_all((EXAMPLE / "cluster" / "inputs.yaml").read_text()))
    for doc in docs:
        if doc["kind"] == "Secret":
            doc["stringData"]["DB_PASSWORD"] = password
    world.kube.kubectl("-n", world.namespace, "apply", "-f", "-", input=yaml.safe_dump_all(docs))


@pytest.fixture
def canary() -> str:
    return f"canary-{uuid.uuid4().hex}"


@pytest.fixture
def example(world: World, canary: str) -> World:
    """The world with the example committed, its inputs in the cluster, and its App."""
    create_inputs(world, canary)
    world.commit("Add the substitution example", example_files())
    world.write_config(app=example_app_spec())
    return world


def decoded(secret: dict[str, Any], key: str) -> str:
    return base64.b64decode(secret["data"][key]).decode()


def test_the_example_syncs_with_values_from_the_app_a_configmap_and_a_secret(
    example: World, canary: str
) -> None:
    example.sync()

    deployment = example.live("deployment", "web")
    assert deployment is not None
    assert deployment["spec"]["replicas"] == 2  # "2" in the ConfigMap, a number once read
    assert deployment["metadata"]["labels"]["environment"] == "prod"  # spec.substitute
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    assert container["image"] == "example.invalid/shop/web:1.4.2"  # the default
    assert container["args"] == ["exec web --data ${HOME}/data"]  # the escape
    database = example.live("secret", "web-database")
    assert database is not None
    url = decoded(database, "DATABASE_URL")
    assert url == f"postgres://web:{canary}@db.shop.svc:5432/shop"
    rules = example.live("configmap", "relabel-rules")
    assert rules is not None
    assert "replacement: ${1}:9100" in rules["data"]["rules.yaml"]
    assert "replacement: $1\n" in rules["data"]["rules.yaml"]
    dashboard = example.live("configmap", "grafana-dashboard")
    assert dashboard is not None
    assert '"datasource": "${DS_PROMETHEUS}"' in dashboard["data"]["web.json"]

    # A new value in the cluster's ConfigMap reaches the objects at the next sync.
    example.kubectl("patch", "configmap", "cluster-settings", "-p", '{"data":{"REPLICAS":"3"}}')
    example.sync()
    deployment = example.live("deployment", "web")
    assert deployment is not None
    assert deployment["spec"]["replicas"] == 3


LEAK = """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: leaky-settings
  labels:
    # A label value may not end with '-': the server refuses it, quoting the value.
    password: ${DB_PASSWORD}-
data:
  url: postgres://web:${DB_PASSWORD}@db
"""


def outputs(world: World, *commands: tuple[str, ...]) -> list[Run]:
    """``trueup COMMAND APP ARGS`` for each, then status and history as table and JSON."""
    runs = [world.cli(command[0], APP, *command[1:]) for command in commands]
    runs += [
        world.cli("status"),
        world.cli("status", "-o", "json"),
        world.cli("history", APP),
        world.cli("history", APP, "-o", "json"),
    ]
    return runs


def with_leak(leak: str) -> dict[str, str | None]:
    kustomization = (EXAMPLE / "app" / "kustomization.yaml").read_text()
    return {
        f"{PATH}/leak.yaml": leak,
        f"{PATH}/kustomization.yaml": kustomization + "  - leak.yaml\n",
    }


def test_a_value_from_a_secret_shows_in_no_output_wherever_it_lands(
    example: World, canary: str
) -> None:
    example.sync()
    example.commit("Put the password where it does not belong", with_leak(LEAK))

    failing = outputs(
        example, ("build",), ("build", "-o", "json"), ("sync",), ("sync", "-o", "json"), ("diff",)
    )

    assert [run.code for run in failing[:5]] == [0, 0, 1, 1, 2], failing
    # The server refuses the label and quotes its value: masked in the report and records.
    assert "********-" in failing[3].json()["failure"]["message"]
    (settings,) = [o for o in failing[1].json() if o["metadata"]["name"] == "leaky-settings"]
    assert settings["data"]["url"] == "postgres://web:********@db"
    shown = example.cli("build", APP, "--show-secrets", "-o", "json")
    assert canary in shown.stdout  # only when asked for

    # Without the label the ConfigMap is applied; what shows it later stays masked.
    valid = LEAK.replace("    password: ${DB_PASSWORD}-\n", "    kept: value\n")
    example.commit("A valid label", {f"{PATH}/leak.yaml": valid})
    synced = outputs(example, ("sync",))
    assert synced[0].code == 0, synced[0]
    live = example.live("configmap", "leaky-settings")
    assert live is not None
    assert live["data"]["url"] == f"postgres://web:{canary}@db"
    example.commit("Move the database", {f"{PATH}/leak.yaml": valid.replace("@db", "@db2")})
    changed = outputs(example, ("diff",), ("diff", "-o", "json"), ("build",), ("sync",))
    assert "-  url: postgres://web:********@db\n" in changed[0].stdout, changed[0]
    assert "+  url: postgres://web:********@db2\n" in changed[0].stdout, changed[0]
    (entry,) = [e for e in changed[1].json() if e["object"].endswith("/leaky-settings")]
    assert entry["live"]["data"]["url"] == "postgres://web:********@db"
    assert entry["desired"]["data"]["url"] == "postgres://web:********@db2"
    assert changed[3].code == 0, changed[3]
    assert_nowhere(example, [canary], [*failing, *synced, *changed])


def test_a_missing_configmap_fails_the_sync_naming_it(world: World, canary: str) -> None:
    world.commit("Add the substitution example", example_files())
    world.write_config(app=example_app_spec())

    run = world.cli("sync", APP, "-o", "json")

    assert run.code == 1, run
    message = run.json()["failure"]["message"]
    assert (
        f"spec.substituteFrom[0]: ConfigMap/{world.namespace}/cluster-settings does not exist "
        "in the target cluster" in message
    )
    assert world.live("deployment", "web") is None


DATABASE = (EXAMPLE / "app" / "database.yaml").read_text()


def test_strict_mode_fails_naming_the_file_the_object_and_the_variable(
    example: World,
) -> None:
    example.commit(
        "Use a variable set nowhere",
        {f"{PATH}/database.yaml": DATABASE.replace("${DB_HOST}", "${DB_HOSTNAME}")},
    )

    run = example.cli("sync", APP, "-o", "json")

    assert run.code == 1, run
    failure = run.json()["failure"]
    assert failure["reason"] == "render"
    assert failure["message"].startswith(
        f"{PATH}: Secret/web-database: variable DB_HOSTNAME is not set and has no default"
    )
    assert example.live("deployment", "web") is None
    history = json.loads(example.cli("history", APP, "-o", "json").stdout)
    assert "DB_HOSTNAME" in history[0]["error"]

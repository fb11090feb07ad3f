"""What build, diff and sync print on a real cluster: apply order, diff data, progress words,
the wait flag pair, durations, dependencies and the daemon-settings note."""

from __future__ import annotations

import pytest
import yaml

from tests.integration.engine.helpers import APP, World
from trueup.objects import Object

pytestmark = pytest.mark.cluster


def test_build_prints_objects_in_the_order_sync_applies_them(world: World) -> None:
    planned = world.sync("--dry-run", "-o", "json").json()["plan"]["stages"]
    apply_order = [oid for stage in planned for oid in stage["objects"]]

    as_json = world.cli("build", APP, "-o", "json")
    as_yaml = world.cli("build", APP)
    as_table = world.cli("build", APP, "-o", "table")

    def ids(objects: list[Object]) -> list[str]:
        return [
            f"{o['kind']}/{o['metadata'].get('namespace', '')}/{o['metadata']['name']}"
            for o in objects
        ]

    assert ids(as_json.json()) == apply_order, str(as_json)
    assert ids([d for d in yaml.safe_load_all(as_yaml.stdout) if d]) == apply_order
    lines = as_table.stdout.splitlines()
    assert lines[0].split() == ["KIND", "NAMESPACE", "NAME", "STAGE", "FILE"], str(as_table)
    rows = [line.split() for line in lines[1:]]
    assert [f"{r[0]}/{r[1]}/{r[2]}" for r in rows] == apply_order
    assert {r[3] for r in rows} == {"resources"}
    assert next(r for r in rows if r[0] == "Deployment")[4] == "deploy/deployment.yaml:1"


def test_diff_prints_json_and_yaml_entries_and_says_comparing(world: World) -> None:
    different = world.cli("diff", APP, "-o", "json")
    as_yaml = world.cli("diff", APP, "-o", "yaml")

    assert different.code == 1, str(different)
    entries = different.json()
    assert entries == yaml.safe_load(as_yaml.stdout)
    assert {(e["object"], e["action"]) for e in entries} == {
        (f"{kind}/{world.namespace}/{name}", "create")
        for kind, name in (("ConfigMap", "settings"), ("Deployment", "web"), ("Service", "web"))
    }
    deployment = next(e for e in entries if e["object"].startswith("Deployment/"))
    assert deployment["live"] is None
    assert deployment["desired"]["spec"]["replicas"] == 1
    assert f"+++ desired/Deployment/{world.namespace}/web" in deployment["diff"]
    assert "comparing 3 objects in 1 stage" in different.stderr
    assert "applying" not in different.stderr

    world.sync()
    same = world.cli("diff", APP, "-o", "json")
    assert (same.code, same.json()) == (0, []), str(same)


def test_sync_takes_a_duration_as_timeout_and_no_wait_overrides_spec_wait(
    world: World,
) -> None:
    world.write_config(app={"wait": True})

    not_waiting = world.sync("--no-wait")
    waiting = world.sync("--timeout", "2m")

    assert "waiting up to" not in not_waiting.stderr
    assert "waiting up to 120s for 3 objects to be healthy" in waiting.stderr
    assert "health Healthy" in waiting.stdout


def test_sync_notes_that_interval_and_self_heal_apply_under_the_daemon(world: World) -> None:
    world.write_config(app={"interval": "1m", "selfHeal": False})

    run = world.sync()

    assert (
        "note: App/web spec.interval, App/web spec.selfHeal apply under the daemon "
        "(trueup serve), not to this one-shot sync" in " ".join(run.stderr.split())
    )
    world.write_config()
    assert "note:" not in world.sync().stderr


def test_sync_refuses_an_app_until_its_dependency_has_succeeded(world: World) -> None:
    base = {
        "apiVersion": "trueup.dev/v1alpha1",
        "kind": "App",
        "metadata": {"name": "base"},
        "spec": {"source": "deploy", "path": "base", "namespace": world.namespace},
    }
    world.commit(
        "Add the base app",
        {"base/settings.yaml": "kind: ConfigMap\napiVersion: v1\nmetadata: {name: base}\n"},
    )
    world.config.write_text(
        yaml.safe_dump_all([*world.documents(app={"dependsOn": ["base"]}), base])
    )

    refused = world.cli("sync", APP)
    assert refused.code == 1, str(refused)
    assert (
        "App/web waits for its dependencies (spec.dependsOn): App/base has never been synced. "
        "Sync them first, or sync with --ignore-dependencies" in " ".join(refused.stderr.split())
    )
    assert world.names("deployment") == set()

    assert world.cli("sync", "base").code == 0
    assert world.sync().code == 0
    assert world.names("deployment") == {"web"}

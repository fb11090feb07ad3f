"""``trueup.inputs``: the ConfigMaps and Secrets an App's render reads from its target, and
the substitution variables made of them, on the in-memory target and through the engine."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import pytest

from tests.unit.engine.harness import Harness, configmap
from trueup.config.app import AppSpec
from trueup.config.value_refs import ObjectRef
from trueup.errors import ObjectInvalidError, ObjectNotFoundError, TargetUnavailableError
from trueup.inputs import merged_variables, read_inputs, read_variables
from trueup.masking import MASK
from trueup.source import MemorySource
from trueup.targets.memory import MemoryTarget

pytestmark = pytest.mark.anyio

CANARY = "canary-value-5b1d8e"


def seeded() -> MemoryTarget:
    target = MemoryTarget()
    target.put({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop"}})
    target.put(configmap("settings", "shop", APP_ENV="prod", REPLICAS="2"))
    target.put(secret("creds", "shop", DB_PASSWORD=CANARY, REPLICAS="5"))
    return target


def secret(name: str, namespace: str, **values: str) -> dict[str, Any]:
    data = {k: base64.b64encode(v.encode()).decode() for k, v in values.items()}
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": name, "namespace": namespace},
        "data": data,
    }


def ref(kind: str, name: str, **more: Any) -> ObjectRef:
    return ObjectRef.model_validate({"kind": kind, "name": name, **more})


async def test_configmap_data_is_read_as_it_is_and_secret_data_decoded_and_marked_secret() -> None:
    refs = [ref("ConfigMap", "settings"), ref("Secret", "creds")]
    config, creds = await read_inputs(seeded(), refs, "shop", "spec.substituteFrom")
    assert dict(config.data) == {"APP_ENV": "prod", "REPLICAS": "2"}
    assert config.secret_values == ()
    assert config.shown == "ConfigMap/shop/settings"
    assert dict(creds.data) == {"DB_PASSWORD": CANARY, "REPLICAS": "5"}
    assert set(creds.secret_values) == {CANARY, "5"}
    assert creds.found
    assert creds.secret


async def test_a_missing_object_fails_naming_the_field_and_the_object() -> None:
    with pytest.raises(ObjectNotFoundError) as caught:
        await read_inputs(
            seeded(), [ref("ConfigMap", "settings"), ref("ConfigMap", "nope")], "shop", "spec.x"
        )
    message = str(caught.value)
    assert message.startswith("spec.x[1]: ConfigMap/shop/nope does not exist in the target")
    assert "optional: true" in message


async def test_a_missing_optional_object_gives_no_data() -> None:
    (found,) = await read_inputs(
        seeded(), [ref("Secret", "nope", optional=True)], "shop", "spec.substituteFrom"
    )
    assert not found.found
    assert dict(found.data) == {}


async def test_the_reference_namespace_wins_over_the_default_and_one_is_required() -> None:
    target = seeded()
    (found,) = await read_inputs(
        target, [ref("ConfigMap", "settings", namespace="shop")], "other", "f"
    )
    assert found.namespace == "shop"
    with pytest.raises(ObjectNotFoundError, match=r"f\[0\]: ConfigMap settings has no namespace"):
        await read_inputs(target, [ref("ConfigMap", "settings")], None, "f")


async def test_a_secret_value_that_is_not_text_fails_without_quoting_it() -> None:
    target = seeded()
    broken = secret("binary", "shop")
    broken["data"] = {"KEY": base64.b64encode(b"\xff\xfe" + CANARY.encode()).decode()}
    target.put(broken)
    with pytest.raises(ObjectInvalidError) as caught:
        await read_inputs(target, [ref("Secret", "binary")], "shop", "spec.substituteFrom")
    assert "spec.substituteFrom[0] (Secret/shop/binary): key 'KEY'" in str(caught.value)
    assert CANARY not in str(caught.value)


async def test_the_digest_changes_with_the_content_only() -> None:
    target = seeded()
    refs = [ref("ConfigMap", "settings")]
    (first,) = await read_inputs(target, refs, "shop", "f")
    (again,) = await read_inputs(target, refs, "shop", "f")
    target.put(configmap("settings", "shop", APP_ENV="staging", REPLICAS="2"))
    (changed,) = await read_inputs(target, refs, "shop", "f")
    assert first.digest == again.digest != changed.digest


async def test_the_target_s_own_errors_pass_through() -> None:
    target = seeded()
    target.fail("get", TargetUnavailableError("connection refused"))
    with pytest.raises(TargetUnavailableError):
        await read_inputs(target, [ref("ConfigMap", "settings")], "shop", "f")


async def test_variables_merge_later_objects_over_earlier_and_substitute_over_all() -> None:
    spec = AppSpec.model_validate(
        {
            "source": "shop",
            "namespace": "shop",
            "substitute": {"APP_ENV": "from-spec"},
            "substituteFrom": [
                {"kind": "ConfigMap", "name": "settings"},
                {"kind": "Secret", "name": "creds"},
                {"kind": "ConfigMap", "name": "absent", "optional": True},
            ],
        }
    )
    variables = await read_variables(seeded(), spec)
    assert dict(variables.values) == {
        "APP_ENV": "from-spec",
        "REPLICAS": "5",
        "DB_PASSWORD": CANARY,
    }
    assert variables.masked == {CANARY, "5"}
    assert len(variables.digests) == 3


async def test_a_key_that_cannot_be_a_variable_name_fails_naming_the_object_and_key() -> None:
    target = seeded()
    target.put(configmap("files", "shop", **{"app.conf": "x"}))
    (found,) = await read_inputs(target, [ref("ConfigMap", "files")], "shop", "f")
    with pytest.raises(ObjectInvalidError, match=r"\(ConfigMap/shop/files\): key 'app.conf'"):
        merged_variables([found], {})


def harness(tmp_path: Path) -> Harness:
    world = Harness(root=tmp_path, source=MemorySource(tmp_path / "checkouts"))
    world.target.put({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop"}})
    world.target.put(secret("creds", "shop", DB_PASSWORD=CANARY))
    world.target.put(configmap("settings", "shop", REPLICAS="2"))
    return world


DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: ${REPLICAS}
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: app
        image: nginx
        env:
        - {name: DATABASE_URL, value: "postgres://app:${DB_PASSWORD}@db"}
        - {name: DASHBOARD, value: "${DS_PROMETHEUS-default}"}
"""


async def test_an_app_syncs_substituted_objects_and_masks_secret_values_in_its_report(
    tmp_path: Path,
) -> None:
    world = harness(tmp_path)
    world.app(
        namespace="shop",
        substituteFrom=[
            {"kind": "ConfigMap", "name": "settings"},
            {"kind": "Secret", "name": "creds"},
        ],
    )
    world.commit({"web/deploy.yaml": DEPLOYMENT})
    report = await world.sync()
    assert report.ok, report.error
    live = world.live("Deployment", "shop", "web", group="apps")
    assert live is not None
    assert live["spec"]["replicas"] == 2
    env = live["spec"]["template"]["spec"]["containers"][0]["env"]
    assert env[0]["value"] == f"postgres://app:{CANARY}@db"
    assert env[1]["value"] == "${DS_PROMETHEUS-default}"

    # A server message quoting the value, in the report and the history, is masked.
    world.target.fail("apply", ObjectInvalidError(f"env value postgres://app:{CANARY}@db is bad"))
    world.commit({"web/deploy.yaml": DEPLOYMENT.replace("nginx", "nginx:1.27")})
    failed = await world.sync()
    assert failed.failure is not None
    assert CANARY not in failed.failure.message
    assert MASK in failed.failure.message
    assert all(CANARY not in (a.error or "") for a in await world.history())


async def test_an_app_without_substitution_fields_renders_placeholders_as_written(
    tmp_path: Path,
) -> None:
    world = harness(tmp_path)
    world.app(namespace="shop")
    world.commit({"web/cm.yaml": configmap("dash", json='{"ds": "${DS_PROMETHEUS}"}')})
    report = await world.sync()
    assert report.ok, report.error
    live = world.live("ConfigMap", "shop", "dash")
    assert live is not None
    assert live["data"]["json"] == '{"ds": "${DS_PROMETHEUS}"}'


async def test_a_missing_substitute_from_object_fails_the_sync_naming_it(tmp_path: Path) -> None:
    world = harness(tmp_path)
    world.app(namespace="shop", substituteFrom=[{"kind": "ConfigMap", "name": "gone"}])
    world.commit({"web/cm.yaml": configmap("c", a="${X:=1}")})
    report = await world.sync()
    assert report.failure is not None
    assert "spec.substituteFrom[0]: ConfigMap/shop/gone does not exist" in report.failure.message
    assert world.live("ConfigMap", "shop", "c") is None


async def test_a_strict_failure_is_recorded_naming_file_object_and_variable(
    tmp_path: Path,
) -> None:
    world = harness(tmp_path)
    world.app(namespace="shop", substituteStrict=True)
    world.commit({"web/cm.yaml": configmap("c", a="${NOT_SET}")})
    report = await world.sync()
    assert report.failure is not None
    assert report.failure.message.startswith("web/cm.yaml:1: ConfigMap/c: variable NOT_SET ")
    (attempt,) = await world.history()
    assert "NOT_SET" in (attempt.error or "")

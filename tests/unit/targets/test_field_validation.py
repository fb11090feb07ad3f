"""Field validation on the Kubernetes target: strict refusals are final, Warn and Ignore drop.

The API server refuses a field its schema does not declare in every server-side apply,
whatever ``fieldValidation`` says; trueup drops the fields it names under Warn and Ignore.
"""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from trueup.errors import ObjectInvalidError
from trueup.targets import FieldValidation
from trueup.targets.kubernetes.fieldpath import parse_path, without_fields

from .fake_api import FakeApi, FakeSleep, json_response, make_target

pytestmark = pytest.mark.anyio

WEB_PATH = "/apis/apps/v1/namespaces/shop/deployments/web"
CONTAINER_TYPO = '.spec.template.spec.containers[name="web"].imagePullPolicyy'


def deployment() -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "shop"},
        "spec": {
            "replicas": 2,
            "replica": 2,
            "template": {
                "spec": {
                    "containers": [
                        {"name": "side", "image": "side:1"},
                        {"name": "web", "image": "web:1", "imagePullPolicyy": "Always"},
                    ]
                }
            },
        },
    }


def undeclared(*paths: str) -> Any:
    listed = "errors:\n" + "".join(f"  {p}: field not declared in schema\n" for p in paths)
    message = "failed to create typed patch object (shop/web; apps/v1, Kind=Deployment): "
    body = {"kind": "Status", "status": "Failure", "code": 500, "message": message + listed}
    return json_response(500, body)


def sent_bodies(api: FakeApi) -> list[dict[str, Any]]:
    return [orjson.loads(request.content) for request in api.sent("PATCH", WEB_PATH)]


async def test_a_strict_refusal_of_an_undeclared_field_is_sent_once_and_names_it() -> None:
    api = FakeApi()
    api.on("PATCH", WEB_PATH, undeclared(".spec.replica"))
    sleep = FakeSleep()
    async with make_target(api, sleep) as target:
        with pytest.raises(ObjectInvalidError, match=r"spec\.replica: field not declared"):
            await target.apply(deployment(), dry_run=True)
    assert len(api.sent("PATCH", WEB_PATH)) == 1
    assert sleep.slept == []


async def test_a_string_where_a_number_belongs_is_invalid_and_not_retried() -> None:
    api = FakeApi()
    message = (
        "failed to create typed patch object (shop/web; apps/v1, Kind=Deployment): "
        ".spec.replicas: expected numeric (int or float), got string"
    )
    api.on("PATCH", WEB_PATH, json_response(500, {"kind": "Status", "message": message}))
    async with make_target(api) as target:
        with pytest.raises(ObjectInvalidError, match="expected numeric"):
            await target.apply(deployment(), dry_run=False, field_validation=FieldValidation.WARN)
    assert len(api.sent("PATCH", WEB_PATH)) == 1


async def test_warn_drops_the_named_fields_resends_and_warns_about_each() -> None:
    api = FakeApi()
    applied = {"kind": "Deployment", "spec": {"replicas": 2}}
    api.on(
        "PATCH",
        WEB_PATH,
        undeclared(".spec.replica"),
        undeclared(CONTAINER_TYPO),
        json_response(200, applied),
    )
    async with make_target(api) as target:
        result = await target.apply(
            deployment(), dry_run=True, field_validation=FieldValidation.WARN
        )

    assert result == applied
    assert result.warnings == (
        'unknown field "spec.replica"',
        'unknown field "spec.template.spec.containers[name="web"].imagePullPolicyy"',
    )
    first, second, third = sent_bodies(api)
    assert first == deployment()
    assert "replica" not in second["spec"]
    assert third["spec"]["template"]["spec"]["containers"] == [
        {"name": "side", "image": "side:1"},
        {"name": "web", "image": "web:1"},
    ]
    assert third["spec"]["replicas"] == 2


async def test_ignore_drops_the_named_fields_without_a_warning() -> None:
    api = FakeApi()
    api.on("PATCH", WEB_PATH, undeclared(".spec.replica"), json_response(200, {"kind": "x"}))
    async with make_target(api) as target:
        result = await target.apply(
            deployment(), dry_run=False, field_validation=FieldValidation.IGNORE
        )
    assert result.warnings == ()
    assert len(api.sent("PATCH", WEB_PATH)) == 2


async def test_a_named_field_that_is_not_in_the_object_is_refused_as_the_server_said() -> None:
    api = FakeApi()
    api.on("PATCH", WEB_PATH, undeclared(".spec.nothing"))
    async with make_target(api) as target:
        with pytest.raises(ObjectInvalidError, match=r"spec\.nothing"):
            await target.apply(deployment(), dry_run=True, field_validation=FieldValidation.WARN)
    assert len(api.sent("PATCH", WEB_PATH)) == 1


@pytest.mark.parametrize(
    "text",
    [
        ".spec.replica",
        CONTAINER_TYPO,
        '.spec.ports[port=80,protocol="TCP"].nodePortt',
        '.spec.containers[name="a.b]c"].x',
        '.metadata.finalizers[="x"]',
        ".spec.items[3].name",
    ],
)
def test_server_field_paths_parse(text: str) -> None:
    assert parse_path(text)


@pytest.mark.parametrize("text", ["", "spec", ".", ".a[", ".a[name=]", ".a[b=c]"])
def test_malformed_field_paths_do_not_parse(text: str) -> None:
    assert parse_path(text) is None


def test_a_field_of_a_keyed_list_item_is_removed_from_a_copy() -> None:
    service = {
        "spec": {
            "ports": [
                {"port": 80, "protocol": "TCP", "nodePortt": 1},
                {"port": 80, "protocol": "UDP", "nodePortt": 2},
            ]
        }
    }
    smaller = without_fields(service, ('.spec.ports[port=80,protocol="UDP"].nodePortt',))
    assert smaller == {
        "spec": {
            "ports": [
                {"port": 80, "protocol": "TCP", "nodePortt": 1},
                {"port": 80, "protocol": "UDP"},
            ]
        }
    }
    assert service["spec"]["ports"][1]["nodePortt"] == 2


async def test_a_webhook_that_is_not_up_yet_is_retried_until_it_answers() -> None:
    api = FakeApi()
    down = {
        "kind": "Status",
        "reason": "InternalError",
        "message": 'Internal error occurred: failed calling webhook "v.example.com": '
        "connect: connection refused",
    }
    api.on(
        "PATCH",
        WEB_PATH,
        json_response(500, down),
        json_response(500, down),
        json_response(200, {}),
    )
    sleep = FakeSleep()
    async with make_target(api, sleep) as target:
        await target.apply(deployment(), dry_run=True)
    assert len(api.sent("PATCH", WEB_PATH)) == 3
    assert len(sleep.slept) == 2

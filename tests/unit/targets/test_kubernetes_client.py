"""The Kubernetes target against a scripted API server (httpx.MockTransport)."""

from __future__ import annotations

from pathlib import Path

import httpx
import orjson
import pytest

from trueup.errors import (
    ObjectConflictError,
    ObjectInvalidError,
    ObjectNotFoundError,
    TargetForbiddenError,
    TargetUnavailableError,
    WatchExpiredError,
)
from trueup.objects import ObjectId
from trueup.targets import FieldValidation, ResourceInfo, Target, WatchEventType
from trueup.targets.kubernetes import (
    ClusterConnection,
    KubernetesTarget,
    is_immutable_field_error,
)
from trueup.targets.retry import Backoff

from .fake_api import (
    GROUP_DISCOVERY,
    WIDGETS,
    FakeApi,
    FakeSleep,
    json_response,
    make_target,
    status_response,
)

pytestmark = pytest.mark.anyio

DEPLOYMENT = {
    "apiVersion": "apps/v1",
    "kind": "Deployment",
    "metadata": {"name": "web", "namespace": "shop"},
    "spec": {"replicas": 2},
}
DEPLOYMENTS = ResourceInfo("apps", "v1", "Deployment", "deployments", namespaced=True)
NAMESPACES = ResourceInfo("", "v1", "Namespace", "namespaces", namespaced=False)
WEB_PATH = "/apis/apps/v1/namespaces/shop/deployments/web"


async def test_apply_sends_a_server_side_apply_patch_as_field_manager_trueup() -> None:
    api = FakeApi()
    api.on("PATCH", WEB_PATH, json_response(200, {**DEPLOYMENT, "status": {}}))
    async with make_target(api) as target:
        result = await target.apply(DEPLOYMENT, dry_run=False)
    (request,) = api.sent("PATCH", WEB_PATH)
    assert request.headers["Content-Type"] == "application/apply-patch+yaml"
    assert dict(request.url.params) == {
        "fieldManager": "trueup",
        "fieldValidation": "Strict",
        "force": "true",
    }
    assert orjson.loads(request.content) == DEPLOYMENT
    assert request.headers["Authorization"] == "Bearer s3cret-token-canary"
    assert result["status"] == {}


async def test_apply_dry_run_asks_the_server_not_to_persist_and_force_can_be_off() -> None:
    api = FakeApi()
    api.on("PATCH", WEB_PATH, json_response(200, DEPLOYMENT))
    async with make_target(api) as target:
        await target.apply(DEPLOYMENT, dry_run=True, force=False)
    (request,) = api.sent("PATCH", WEB_PATH)
    assert dict(request.url.params) == {
        "fieldManager": "trueup",
        "fieldValidation": "Strict",
        "dryRun": "All",
    }


async def test_apply_with_warn_validation_returns_every_warning_header_of_the_server() -> None:
    api = FakeApi()
    warnings = [
        ("Warning", '299 - "unknown field \\"spec.replica\\""'),
        ("Warning", '299 - "apps/v1beta1 Deployment is deprecated"'),
    ]
    api.on(
        "PATCH", WEB_PATH, httpx.Response(200, content=orjson.dumps(DEPLOYMENT), headers=warnings)
    )
    async with make_target(api) as target:
        result = await target.apply(DEPLOYMENT, dry_run=True, field_validation=FieldValidation.WARN)
    (request,) = api.sent("PATCH", WEB_PATH)
    assert request.url.params["fieldValidation"] == "Warn"
    assert result.warnings == (
        'unknown field "spec.replica"',
        "apps/v1beta1 Deployment is deprecated",
    )
    assert result == DEPLOYMENT


@pytest.mark.parametrize(
    ("obj", "path"),
    [
        pytest.param(
            {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c", "namespace": "n"}},
            "/api/v1/namespaces/n/configmaps/c",
            id="core namespaced",
        ),
        pytest.param(
            {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}},
            "/api/v1/namespaces/team/configmaps/c",
            id="core namespaced without namespace uses the context namespace",
        ),
        pytest.param(
            {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop"}},
            "/api/v1/namespaces/shop",
            id="core cluster-scoped",
        ),
        pytest.param(
            {
                "apiVersion": "apiextensions.k8s.io/v1",
                "kind": "CustomResourceDefinition",
                "metadata": {"name": "widgets.example.com", "namespace": "ignored"},
            },
            "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.example.com",
            id="grouped cluster-scoped ignores a namespace",
        ),
        pytest.param(DEPLOYMENT, WEB_PATH, id="grouped namespaced"),
    ],
)
async def test_get_builds_the_url_from_group_version_scope_and_plural(
    obj: dict[str, object], path: str
) -> None:
    api = FakeApi()
    api.on("GET", path, json_response(200, obj))
    async with make_target(api) as target:
        assert await target.get(obj) == obj
    assert len(api.sent("GET", path)) == 1


async def test_get_answers_none_for_a_missing_object_or_an_unserved_kind() -> None:
    api = FakeApi()
    async with make_target(api) as target:
        assert await target.get(DEPLOYMENT) is None
        assert await target.get({"apiVersion": "x.io/v1", "kind": "Nope", "metadata": {}}) is None


async def test_get_by_id_uses_the_preferred_version_of_the_group() -> None:
    api = FakeApi()
    api.on("GET", WEB_PATH, json_response(200, DEPLOYMENT))
    async with make_target(api) as target:
        assert await target.get(ObjectId("apps", "Deployment", "shop", "web")) == DEPLOYMENT


@pytest.mark.parametrize("name", ["..", ".", "a/b", "", "%2e%2e"])
async def test_names_that_could_change_the_request_path_are_refused(name: str) -> None:
    api = FakeApi()
    evil = {**DEPLOYMENT, "metadata": {"name": name, "namespace": "shop"}}
    async with make_target(api) as target:
        with pytest.raises(ObjectInvalidError, match="cannot be used in a request"):
            await target.apply(evil, dry_run=True)
    assert not api.sent("PATCH", WEB_PATH)
    assert [r.method for r in api.requests] == ["GET", "GET"]  # discovery only


async def test_list_follows_continue_tokens_and_fills_in_kind_and_api_version() -> None:
    api = FakeApi()
    page_one = {
        "items": [{"metadata": {"name": "a"}}],
        "metadata": {"continue": "token-2", "resourceVersion": "10"},
    }
    page_two = {"items": [{"metadata": {"name": "b"}}], "metadata": {"resourceVersion": "11"}}
    api.on("GET", "/apis/apps/v1/deployments", json_response(200, page_one))
    api.on(
        "GET",
        "/apis/apps/v1/deployments",
        json_response(200, page_one),
        json_response(200, page_two),
    )
    async with make_target(api, page_size=1) as target:
        found = await target.list(DEPLOYMENTS, label_selector="trueup.dev/app=shop")
    assert [o["metadata"]["name"] for o in found] == ["a", "b"]
    assert all(o["apiVersion"] == "apps/v1" and o["kind"] == "Deployment" for o in found)
    assert found.resource_version == "11"
    first, second = api.sent("GET", "/apis/apps/v1/deployments")
    assert dict(first.url.params) == {"limit": "1", "labelSelector": "trueup.dev/app=shop"}
    assert second.url.params["continue"] == "token-2"


async def test_list_of_one_namespace_and_of_a_cluster_scoped_kind() -> None:
    api = FakeApi()
    api.on("GET", "/apis/apps/v1/namespaces/shop/deployments", json_response(200, {"items": []}))
    api.on("GET", "/api/v1/namespaces", json_response(200, {"items": []}))
    async with make_target(api) as target:
        assert await target.list(DEPLOYMENTS, namespace="shop") == []
        assert await target.list(NAMESPACES, namespace="shop") == []


async def test_delete_propagates_in_the_background_with_a_uid_precondition() -> None:
    api = FakeApi()
    api.on("DELETE", WEB_PATH, json_response(200, {"kind": "Status", "status": "Success"}))
    async with make_target(api) as target:
        assert await target.delete(DEPLOYMENT, uid="u-1", dry_run=True) is True
    (request,) = api.sent("DELETE", WEB_PATH)
    assert orjson.loads(request.content) == {
        "apiVersion": "v1",
        "kind": "DeleteOptions",
        "propagationPolicy": "Background",
        "preconditions": {"uid": "u-1"},
        "dryRun": ["All"],
    }


async def test_delete_of_a_missing_object_answers_false() -> None:
    api = FakeApi()
    async with make_target(api) as target:
        assert await target.delete(ObjectId("apps", "Deployment", "shop", "web")) is False


async def test_an_immutable_field_change_is_an_invalid_error_marked_immutable() -> None:
    api = FakeApi()
    message = (
        'Deployment.apps "web" is invalid: spec.selector: Invalid value: '
        '{"matchLabels":{"app":"x"}}: field is immutable'
    )
    api.on("PATCH", WEB_PATH, status_response(422, "Invalid", message))
    async with make_target(api) as target:
        with pytest.raises(ObjectInvalidError) as caught:
            await target.apply(DEPLOYMENT, dry_run=True)
    assert is_immutable_field_error(caught.value)
    assert str(caught.value).startswith("Deployment/shop/web: Invalid: ")
    assert "delete and re-create" in str(caught.value)
    assert caught.value.object_id == "Deployment/shop/web"


async def test_a_throttled_request_is_retried_after_the_servers_retry_after() -> None:
    api = FakeApi()
    throttled = status_response(429, "TooManyRequests", "slow down")
    throttled.headers["Retry-After"] = "3"
    api.on("GET", WEB_PATH, throttled, throttled, json_response(200, DEPLOYMENT))
    sleep = FakeSleep()
    async with make_target(api, sleep) as target:
        assert await target.get(DEPLOYMENT) == DEPLOYMENT
    assert len(api.sent("GET", WEB_PATH)) == 3
    assert len(sleep.slept) == 2
    assert all(s >= 3 for s in sleep.slept)


async def test_server_errors_are_retried_a_bounded_number_of_times() -> None:
    api = FakeApi()
    api.on("GET", WEB_PATH, status_response(503, "ServiceUnavailable", "etcd down"))
    sleep = FakeSleep()
    async with make_target(api, sleep, backoff=Backoff(attempts=3)) as target:
        with pytest.raises(TargetUnavailableError, match="etcd down"):
            await target.get(DEPLOYMENT)
    assert len(api.sent("GET", WEB_PATH)) == 3
    assert len(sleep.slept) == 2


async def test_connection_failures_are_temporary_and_name_the_server() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    api = FakeApi()
    api.on("GET", "/api", refuse)
    async with make_target(api, backoff=Backoff(attempts=1)) as target:
        with pytest.raises(TargetUnavailableError, match=r"https://127.0.0.1:6443: cannot reach"):
            await target.resolve("v1", "ConfigMap")


@pytest.mark.parametrize(
    ("code", "reason", "error"),
    [
        (403, "Forbidden", TargetForbiddenError),
        (409, "Conflict", ObjectConflictError),
        (404, "NotFound", ObjectNotFoundError),
    ],
)
async def test_refusals_are_permanent_and_not_retried(
    code: int, reason: str, error: type[Exception]
) -> None:
    api = FakeApi()
    api.on("PATCH", WEB_PATH, status_response(code, reason, "refused by the server"))
    sleep = FakeSleep()
    async with make_target(api, sleep) as target:
        with pytest.raises(error, match="refused by the server"):
            await target.apply(DEPLOYMENT, dry_run=False)
    assert len(api.sent("PATCH", WEB_PATH)) == 1
    assert sleep.slept == []


async def test_the_token_appears_in_no_error_and_no_repr() -> None:
    api = FakeApi()
    api.on("PATCH", WEB_PATH, status_response(403, "Forbidden", "no"))
    async with make_target(api) as target:
        with pytest.raises(TargetForbiddenError) as caught:
            await target.apply(DEPLOYMENT, dry_run=False)
        texts = [str(caught.value), repr(caught.value), repr(target.connection)]
    assert not any("s3cret-token-canary" in text for text in texts)


async def test_misses_rediscover_at_most_once_per_interval_then_refuse_the_kind() -> None:
    api = FakeApi()
    now = [100.0]
    widget = {"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"}}
    async with make_target(api, clock=lambda: now[0]) as target:
        await target.resolve("v1", "ConfigMap")
        for _ in range(3):
            assert await target.resolve("example.com/v1", "Widget") is None
        assert len(api.sent("GET", "/apis")) == 1  # discovered just now: no refresh yet
        now[0] += 5
        with pytest.raises(ObjectNotFoundError, match="apply its CustomResourceDefinition first"):
            await target.apply(widget, dry_run=True)
        assert len(api.sent("GET", "/apis")) == 2
        target.mapper.invalidate()
        await target.resolve("v1", "ConfigMap")
        assert len(api.sent("GET", "/apis")) == 3


async def test_a_kind_is_found_by_rediscovery_once_its_crd_is_served() -> None:
    api = FakeApi()
    with_widgets = {"kind": "APIGroupDiscoveryList", "items": [WIDGETS]}
    api.on(
        "GET",
        "/apis",
        json_response(200, {"kind": "APIGroupDiscoveryList", "items": []}),
        json_response(200, with_widgets),
    )
    now = [100.0]
    async with make_target(api, clock=lambda: now[0]) as target:
        assert await target.resolve("v1", "ConfigMap") is not None
        now[0] += 5
        assert await target.resolve("example.com/v1", "Widget") == ResourceInfo(
            "example.com", "v1", "Widget", "widgets", namespaced=True
        )


async def test_legacy_discovery_reads_each_group_version_and_skips_subresources() -> None:
    api = FakeApi()
    api.on("GET", "/api", json_response(200, {"kind": "APIVersions", "versions": ["v1"]}))
    groups = {
        "kind": "APIGroupList",
        "groups": [
            {
                "name": "autoscaling",
                "versions": [{"version": "v1"}, {"version": "v2"}],
                "preferredVersion": {"version": "v2"},
            },
            {
                "name": "broken.io",
                "versions": [{"version": "v1"}],
                "preferredVersion": {"version": "v1"},
            },
        ],
    }
    api.on("GET", "/apis", json_response(200, groups))
    api.on(
        "GET",
        "/api/v1",
        json_response(
            200,
            {
                "resources": [
                    {"name": "pods", "kind": "Pod", "namespaced": True},
                    {"name": "pods/log", "kind": "Pod", "namespaced": True},
                ]
            },
        ),
    )
    hpa = {
        "name": "horizontalpodautoscalers",
        "kind": "HorizontalPodAutoscaler",
        "namespaced": True,
    }
    api.on("GET", "/apis/autoscaling/v1", json_response(200, {"resources": [hpa]}))
    api.on("GET", "/apis/autoscaling/v2", json_response(200, {"resources": [hpa]}))
    api.on("GET", "/apis/broken.io/v1", status_response(503, "ServiceUnavailable", "down"))
    async with make_target(api, backoff=Backoff(attempts=1)) as target:
        assert await target.resolve("v1", "Pod") == ResourceInfo("", "v1", "Pod", "pods", True)
        located = await target.mapper.resolve_group_kind("autoscaling", "HorizontalPodAutoscaler")
        assert target.mapper.unavailable == ("broken.io/v1",)
    assert located is not None
    assert located.version == "v2"


def _watch_stream(*events: dict[str, object]) -> httpx.Response:
    return httpx.Response(200, content=b"\n".join(orjson.dumps(e) for e in events) + b"\n")


async def test_watch_yields_typed_events_and_asks_for_bookmarks() -> None:
    api = FakeApi()
    api.on(
        "GET",
        "/apis/apps/v1/namespaces/shop/deployments",
        _watch_stream(
            {"type": "ADDED", "object": {**DEPLOYMENT, "metadata": {"resourceVersion": "5"}}},
            {"type": "BOOKMARK", "object": {"metadata": {"resourceVersion": "9"}}},
        ),
    )
    async with make_target(api) as target:
        events = [
            e
            async for e in target.watch(
                DEPLOYMENTS, "shop", resource_version="4", timeout_seconds=60
            )
        ]
    assert [(e.type, e.resource_version) for e in events] == [
        (WatchEventType.ADDED, "5"),
        (WatchEventType.BOOKMARK, "9"),
    ]
    (request,) = api.requests[-1:]
    assert dict(request.url.params) == {
        "watch": "true",
        "timeoutSeconds": "60",
        "allowWatchBookmarks": "true",
        "resourceVersion": "4",
    }


@pytest.mark.parametrize(
    "answer",
    [
        pytest.param(
            _watch_stream(
                {
                    "type": "ERROR",
                    "object": {
                        "kind": "Status",
                        "code": 410,
                        "reason": "Expired",
                        "message": "too old",
                    },
                }
            ),
            id="error event",
        ),
        pytest.param(status_response(410, "Gone", "too old"), id="http 410"),
    ],
)
async def test_watch_from_a_too_old_version_raises_watch_expired(answer: httpx.Response) -> None:
    api = FakeApi()
    api.on("GET", "/apis/apps/v1/deployments", answer)
    async with make_target(api) as target:
        with pytest.raises(WatchExpiredError, match="too old"):
            async for _ in target.watch(DEPLOYMENTS, resource_version="1"):
                pass


def _crd(conditions: list[dict[str, str]]) -> dict[str, object]:
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": "widgets.example.com"},
        "spec": {
            "group": "example.com",
            "names": {"kind": "Widget", "plural": "widgets"},
            "scope": "Namespaced",
            "versions": [{"name": "v1", "served": True}],
        },
        "status": {"conditions": conditions},
    }


CRD_PATH = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.example.com"


async def test_wait_established_polls_until_the_crd_is_established_and_served() -> None:
    api = FakeApi()
    established = [{"type": "Established", "status": "True"}]
    api.on(
        "GET",
        CRD_PATH,
        json_response(200, _crd([])),
        json_response(200, _crd(established)),
    )
    widgets = {"kind": "APIGroupDiscoveryList", "items": [WIDGETS, *GROUP_DISCOVERY["items"]]}
    api.on("GET", "/apis", json_response(200, widgets))
    sleep = FakeSleep()
    async with make_target(api, sleep) as target:
        await target.wait_established("widgets.example.com", timeout=10)
        assert await target.resolve("example.com/v1", "Widget") is not None
    assert sleep.slept == [0.25]


async def test_wait_established_reports_refused_names_at_once() -> None:
    api = FakeApi()
    refused = [
        {
            "type": "NamesAccepted",
            "status": "False",
            "reason": "NameConflict",
            "message": "plural taken",
        }
    ]
    api.on("GET", CRD_PATH, json_response(200, _crd(refused)))
    async with make_target(api) as target:
        with pytest.raises(ObjectConflictError, match="plural taken"):
            await target.wait_established("widgets.example.com")


async def test_wait_established_gives_up_after_the_timeout_on_the_injected_clock() -> None:
    api = FakeApi()
    now = [0.0]
    sleep = FakeSleep()

    async def advancing_sleep(seconds: float) -> None:
        await sleep(seconds)
        now[0] += seconds

    api.on("GET", CRD_PATH, json_response(200, _crd([])))
    async with make_target(api, clock=lambda: now[0]) as target:
        target._sleep = advancing_sleep
        with pytest.raises(TargetUnavailableError, match="is not established after 1s"):
            await target.wait_established("widgets.example.com", timeout=1)
    assert sum(sleep.slept) == pytest.approx(1.0)


async def test_a_rejected_token_is_read_again_from_its_file_and_the_request_resent(
    tmp_path: Path,
) -> None:
    token_file = tmp_path / "token"
    token_file.write_text("old-token")
    api = FakeApi()
    sent_tokens = []

    def check_token(request: httpx.Request) -> httpx.Response:
        sent_tokens.append(request.headers["Authorization"])
        if request.headers["Authorization"] != "Bearer new-token":
            token_file.write_text("new-token")  # rotated while the request was in flight
            return status_response(401, "Unauthorized", "Unauthorized")
        return json_response(200, DEPLOYMENT)

    api.on("GET", WEB_PATH, check_token)
    connection = ClusterConnection(server="https://127.0.0.1:6443", token_file=str(token_file))
    transport = httpx.MockTransport(api.handle)
    async with KubernetesTarget(connection, transport=transport, sleep=FakeSleep()) as target:
        assert await target.get(DEPLOYMENT) == DEPLOYMENT
    assert sent_tokens == [
        "Bearer old-token",
        "Bearer new-token",
    ]


async def test_the_kubernetes_target_implements_the_target_interface() -> None:
    api = FakeApi()
    target: Target = make_target(api)  # checked by mypy
    assert await target.resolve("apps/v1", "Deployment") == DEPLOYMENTS
    await target.aclose()

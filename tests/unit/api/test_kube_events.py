"""Kubernetes Events read for an App: matched to its objects by uid, in either shape."""

from __future__ import annotations

from trueup.api.kube_events import _event, _involved

UIDS = {"uid-web": "Deployment/shop/web", "uid-pod": "Pod/shop/web-1"}


def test_an_event_is_the_apps_when_it_is_about_an_object_of_its_tree_by_uid() -> None:
    about_web = {"involvedObject": {"kind": "Deployment", "name": "web", "uid": "uid-web"}}
    same_name_other_uid = {"involvedObject": {"kind": "Deployment", "name": "web", "uid": "x"}}
    assert _involved(about_web, UIDS) == "Deployment/shop/web"
    assert _involved(same_name_other_uid, UIDS) is None
    assert _involved({}, UIDS) is None


def test_core_and_series_shaped_events_read_alike() -> None:
    core = _event(
        {
            "type": "Normal",
            "reason": "ScalingReplicaSet",
            "message": "Scaled up replica set web-1 to 1",
            "count": 3,
            "firstTimestamp": "2026-01-01T00:00:00Z",
            "lastTimestamp": "2026-01-01T00:05:00Z",
            "source": {"component": "deployment-controller"},
        },
        "Deployment/shop/web",
    )
    assert (core.type, core.reason, core.count, core.source) == (
        "Normal",
        "ScalingReplicaSet",
        3,
        "deployment-controller",
    )
    assert (core.first_time, core.last_time) == ("2026-01-01T00:00:00Z", "2026-01-01T00:05:00Z")
    series = _event(
        {
            "type": "Warning",
            "reason": "BackOff",
            "message": "Back-off restarting failed container",
            "eventTime": "2026-01-01T00:01:00.000000Z",
            "series": {"count": 7},
            "reportingComponent": "kubelet",
        },
        "Pod/shop/web-1",
    )
    assert (series.count, series.source, series.last_time) == (
        7,
        "kubelet",
        "2026-01-01T00:01:00.000000Z",
    )

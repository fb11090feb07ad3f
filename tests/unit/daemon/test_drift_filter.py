"""Which watched changes are worth a drift check: not status, bookkeeping or the marks
Kubernetes' own components write."""

from __future__ import annotations

from trueup.daemon.drift import meaningful
from trueup.objects import Object

BASE: Object = {
    "apiVersion": "apps/v1",
    "kind": "Deployment",
    "metadata": {"name": "web", "resourceVersion": "1", "annotations": {"team": "shop"}},
    "spec": {"replicas": 1},
}


def changed(**parts: object) -> Object:
    obj: Object = {**BASE, "metadata": {**BASE["metadata"]}}
    for key, value in parts.items():
        if key in ("annotations", "labels", "resourceVersion", "generation", "managedFields"):
            obj["metadata"][key] = value
        else:
            obj[key] = value
    return obj


def test_status_and_bookkeeping_are_not_worth_a_check() -> None:
    assert not meaningful(BASE, changed(status={"readyReplicas": 1}, resourceVersion="2"))
    assert not meaningful(BASE, changed(generation=3, managedFields=[{"manager": "x"}]))


def test_a_controllers_own_annotation_is_not_worth_a_check() -> None:
    revision = {"team": "shop", "deployment.kubernetes.io/revision": "1"}
    assert not meaningful(BASE, changed(annotations=revision))


def test_a_change_to_the_spec_or_to_a_users_annotation_is() -> None:
    assert meaningful(BASE, changed(spec={"replicas": 3}))
    assert meaningful(BASE, changed(annotations={"team": "billing"}))
    assert meaningful(BASE, changed(labels={"app": "web"}))

"""The order objects are applied in, as stages, and the reverse order they are deleted in.

Waves partition everything: objects are grouped by their ``trueup.dev/sync-wave``
annotation first (default 0, lower waves first, negative allowed), and within each wave
by phase, then by kind, then by id. This is the Argo CD reading of waves: a user who puts
a CustomResourceDefinition in wave 5 gets it after everything in wave 0, because the
explicit annotation is the stronger statement.

The phases of one wave, each a stage of its own (empty stages are left out):

1. ``cluster``: CustomResourceDefinitions, Namespaces, ClusterRoles, ClusterRoleBindings.
   The apply layer waits until these are established before the next stage, so that
   custom resources and namespaced objects find their kind and namespace.
2. ``classes``: every kind whose name ends in ``Class`` (StorageClass, PriorityClass,
   IngressClass, RuntimeClass, GatewayClass, ...), which workloads refer to by name.
3. ``resources``: everything else in a fixed kind order (policy, identity, configuration,
   storage, network, workloads, autoscaling, routing, API registration); kinds trueup does
   not know, custom resources among them, come last, ordered by group and kind.

Deletion (prune) runs in exactly the reverse of the apply order.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from enum import IntEnum

from trueup.errors import PlanError
from trueup.objects import Object, ObjectId, Origin, object_id
from trueup.plan.stage import Stage

WAVE_ANNOTATION = "trueup.dev/sync-wave"
"""Annotation that places an object in an explicit wave: a whole number in quotes."""

# A bound on the digits keeps a silly annotation from turning into a huge integer.
_WAVE = re.compile(r"[+-]?[0-9]{1,9}")


class Phase(IntEnum):
    """The phases of one wave, in apply order."""

    CLUSTER = 0
    CLASSES = 1
    RESOURCES = 2

    @property
    def label(self) -> str:
        """The phase as it appears in stage names."""
        return self.name.lower()


_CLUSTER_KINDS: dict[tuple[str, str], int] = {
    ("apiextensions.k8s.io", "CustomResourceDefinition"): 0,
    ("", "Namespace"): 1,
    ("rbac.authorization.k8s.io", "ClusterRole"): 2,
    ("rbac.authorization.k8s.io", "ClusterRoleBinding"): 3,
}

# Kinds are matched with their group, so that a custom resource that happens to be called
# "Service" (Knative) is ordered as the custom resource it is.
_RESOURCE_KINDS: tuple[tuple[str, str], ...] = (
    # Namespace policy first, so that what follows is admitted under it.
    ("", "ResourceQuota"),
    ("", "LimitRange"),
    ("networking.k8s.io", "NetworkPolicy"),
    # Identity before anything that runs as it.
    ("", "ServiceAccount"),
    ("rbac.authorization.k8s.io", "Role"),
    ("rbac.authorization.k8s.io", "RoleBinding"),
    # Configuration and storage that pods mount.
    ("", "ConfigMap"),
    ("", "Secret"),
    ("", "PersistentVolume"),
    ("", "PersistentVolumeClaim"),
    # Network endpoints before the pods behind them.
    ("", "Service"),
    ("", "Endpoints"),
    ("discovery.k8s.io", "EndpointSlice"),
    ("policy", "PodDisruptionBudget"),
    # Workloads.
    ("", "Pod"),
    ("", "ReplicationController"),
    ("apps", "ReplicaSet"),
    ("apps", "Deployment"),
    ("apps", "StatefulSet"),
    ("apps", "DaemonSet"),
    ("batch", "Job"),
    ("batch", "CronJob"),
    ("autoscaling", "HorizontalPodAutoscaler"),
    # Routing and API registration last: their backends exist by now.
    ("networking.k8s.io", "Ingress"),
    ("apiregistration.k8s.io", "APIService"),
    ("admissionregistration.k8s.io", "MutatingWebhookConfiguration"),
    ("admissionregistration.k8s.io", "ValidatingWebhookConfiguration"),
)
_RESOURCE_RANK = {group_kind: rank for rank, group_kind in enumerate(_RESOURCE_KINDS)}
_UNKNOWN_RANK = len(_RESOURCE_KINDS)


def phase_of(group: str, kind: str) -> Phase:
    """The phase objects of this group and kind are applied in."""
    if (group, kind) in _CLUSTER_KINDS:
        return Phase.CLUSTER
    if kind.endswith("Class"):
        return Phase.CLASSES
    return Phase.RESOURCES


def kind_rank(group: str, kind: str) -> int:
    """Where a kind goes among others of its stage (Namespaces and CRDs first, workloads
    after what they use); Helm hooks of one weight are ordered by it too."""
    cluster_rank = _CLUSTER_KINDS.get((group, kind))
    if cluster_rank is not None:
        return cluster_rank
    return _RESOURCE_RANK.get((group, kind), _UNKNOWN_RANK)


def sync_wave(obj: Object, origin: str | None = None) -> int:
    """The wave of ``obj`` (0 without the annotation); PlanError when it is malformed."""
    metadata = obj.get("metadata")
    annotations = metadata.get("annotations") if isinstance(metadata, dict) else None
    if not isinstance(annotations, dict) or WAVE_ANNOTATION not in annotations:
        return 0
    value = annotations[WAVE_ANNOTATION]
    if isinstance(value, str) and _WAVE.fullmatch(value):
        return int(value)
    where = f"{origin}: " if origin else ""
    raise PlanError(
        f"{where}{object_id(obj)}: annotation {WAVE_ANNOTATION} must be a whole number in "
        f'quotes, such as "-1" or "2"; got {value!r}'
    )


def _lenient_wave(obj: Object) -> int:
    try:
        return sync_wave(obj)
    except PlanError:
        return 0


def _apply_key(wave: int, oid: ObjectId) -> tuple[int, Phase, int, ObjectId]:
    return (wave, phase_of(oid.group, oid.kind), kind_rank(oid.group, oid.kind), oid)


def _stage_name(wave: int, phase: Phase) -> str:
    return phase.label if wave == 0 else f"wave {wave} {phase.label}"


def plan_stages(
    objects: Iterable[Object], origins: Mapping[ObjectId, Origin] | None = None
) -> tuple[Stage, ...]:
    """Group ``objects`` into stages in apply order; PlanError on a malformed wave.

    ``origins`` (id → file and line) is used only to name the file in errors.
    """
    origins = origins or {}
    keyed = []
    for obj in objects:
        oid = object_id(obj)
        origin = origins.get(oid)
        keyed.append(
            (_apply_key(sync_wave(obj, None if origin is None else str(origin)), oid), obj)
        )
    keyed.sort(key=lambda pair: pair[0])

    stages: list[Stage] = []
    current: tuple[int, Phase] | None = None
    members: list[Object] = []
    for (wave, phase, _rank, _oid), obj in keyed:
        if current is not None and (wave, phase) != current:
            stages.append(_stage(*current, members))
            members = []
        current = (wave, phase)
        members.append(obj)
    if current is not None:
        stages.append(_stage(*current, members))
    return tuple(stages)


def _stage(wave: int, phase: Phase, members: list[Object]) -> Stage:
    return Stage(
        name=_stage_name(wave, phase),
        objects=tuple(members),
        wait_established=phase is Phase.CLUSTER,
        wave=wave,
    )


def deletion_order(objects: Iterable[Object]) -> tuple[Object, ...]:
    """``objects`` in the order to delete them: exactly the reverse of the apply order."""
    by_id = {object_id(obj): obj for obj in objects}
    return tuple(by_id[oid] for oid in deletion_order_of_ids(by_id))


def deletion_order_of_ids(live: Mapping[ObjectId, Object]) -> tuple[ObjectId, ...]:
    """The ids of ``live`` (id → live object) in deletion order.

    Live objects are ordered by their own annotations; a wave annotation edited into
    something malformed counts as wave 0 here, so that it cannot block a prune.
    """
    keys = [_apply_key(_lenient_wave(obj), oid) for oid, obj in live.items()]
    keys.sort(reverse=True)
    return tuple(key[-1] for key in keys)

"""Turn rendered objects into the objects trueup applies: validated, namespaced, labelled.

The rendered objects are never modified: ``prepare`` works on deep copies.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from trueup.errors import PlanError
from trueup.objects import (
    LABEL_APP_NAMESPACE,
    TRACKING_ANNOTATION,
    Object,
    ObjectId,
    Origin,
    api_group,
    object_id,
)
from trueup.plan.order import sync_wave
from trueup.plan.ownership import AppRef

IsNamespaced = Callable[[str, str], bool | None]
"""(group, kind) → True if namespaced, False if cluster-scoped, None if the kind is unknown."""

_UNKNOWN_ORIGIN = "an unknown file"


def prepare(
    objects: Iterable[Object],
    *,
    app: AppRef,
    default_namespace: str,
    is_namespaced: IsNamespaced,
    origins: Mapping[ObjectId, Origin],
) -> tuple[Object, ...]:
    """Validate, default the namespace of, and label copies of ``objects``.

    - A namespaced object without a namespace gets ``default_namespace``; a cluster-scoped
      one that carries a namespace loses it. For a kind the target does not know yet, the
      scope declared by a CustomResourceDefinition among ``objects`` is used; with neither,
      the object is left as it is.
    - The owner labels and the tracking annotation are set to ``app`` (replacing any other
      app's values; see :mod:`trueup.plan.ownership`).
    - The ``trueup.dev/sync-wave`` annotation is checked.
    - Two objects with the same id after defaulting are a PlanError naming both files.

    ``origins`` maps the id an object had as rendered to the file and line it came from.
    """
    rendered = list(objects)
    declared_scopes = _scopes_declared_by_crds(rendered)
    seen: dict[ObjectId, str] = {}
    prepared: list[Object] = []
    for obj in rendered:
        origin = _origin(obj, origins)
        _check_shape(obj, origin)
        result = copy.deepcopy(obj)
        metadata: dict[str, Any] = result["metadata"]
        group, kind = api_group(result["apiVersion"]), result["kind"]
        namespaced = is_namespaced(group, kind)
        if namespaced is None:
            namespaced = declared_scopes.get((group, kind))
        if namespaced is True and not metadata.get("namespace"):
            metadata["namespace"] = default_namespace
        elif namespaced is False:
            metadata.pop("namespace", None)
        labels = {**(metadata.get("labels") or {}), **app.labels}
        if not app.namespace:
            labels.pop(LABEL_APP_NAMESPACE, None)  # owner labels name this App alone
        metadata["labels"] = labels
        sync_wave(result, origin)

        oid = object_id(result)
        tracking = {TRACKING_ANNOTATION: app.tracking_id(oid)}
        metadata["annotations"] = {**(metadata.get("annotations") or {}), **tracking}
        if oid in seen:
            raise PlanError(
                f"{oid} is declared twice, in {seen[oid]} and in {origin}; "
                "remove one of them or give them different names or namespaces"
            )
        seen[oid] = origin
        prepared.append(result)
    return tuple(prepared)


def _origin(obj: Any, origins: Mapping[ObjectId, Origin]) -> str:
    origin = origins.get(object_id(obj)) if isinstance(obj, dict) else None
    return _UNKNOWN_ORIGIN if origin is None else str(origin)


def _check_shape(obj: Any, origin: str) -> None:
    """PlanError unless ``obj`` has what planning relies on."""
    if not isinstance(obj, dict):
        raise PlanError(f"{origin}: expected an object (a mapping), got {type(obj).__name__}")
    problems = []
    for field in ("apiVersion", "kind"):
        if not isinstance(obj.get(field), str) or not obj[field]:
            problems.append(f"{field} must be a non-empty string")
    metadata = obj.get("metadata")
    if not isinstance(metadata, dict):
        problems.append("metadata must be a mapping")
    else:
        if not isinstance(metadata.get("name"), str) or not metadata["name"]:
            problems.append("metadata.name must be a non-empty string")
        if metadata.get("namespace") is not None and not isinstance(metadata["namespace"], str):
            problems.append("metadata.namespace must be a string")
        for field in ("labels", "annotations"):
            value = metadata.get(field)
            if value is not None and not isinstance(value, dict):
                problems.append(f"metadata.{field} must be a mapping")
    if problems:
        raise PlanError(f"{origin}: {object_id(obj)}: " + "; ".join(problems))


def _scopes_declared_by_crds(objects: list[Any]) -> dict[tuple[str, str], bool]:
    """(group, kind) → namespaced?, for every well-formed CRD among ``objects``."""
    scopes: dict[tuple[str, str], bool] = {}
    for obj in objects:
        if not isinstance(obj, dict) or obj.get("kind") != "CustomResourceDefinition":
            continue
        if api_group(str(obj.get("apiVersion", ""))) != "apiextensions.k8s.io":
            continue
        spec = obj.get("spec")
        names = spec.get("names") if isinstance(spec, dict) else None
        if not isinstance(spec, dict) or not isinstance(names, dict):
            continue
        group, kind, scope = spec.get("group"), names.get("kind"), spec.get("scope")
        if isinstance(group, str) and isinstance(kind, str) and scope in ("Namespaced", "Cluster"):
            scopes[(group, kind)] = scope == "Namespaced"
    return scopes

"""Kubernetes-shaped objects as plain dicts, and the one id format used everywhere.

Objects stay plain ``dict`` values end to end (decoding into model classes is where
Python clients lose most of their time); only their identity is typed. An id prints as
``Kind/namespace/name`` for namespaced objects and ``Kind/name`` for cluster-scoped ones,
in every error, result line and table.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final

Object = dict[str, Any]
"""A Kubernetes-shaped object: ``apiVersion``, ``kind``, ``metadata``, and the rest."""

LABEL_APP_NAME: Final = "trueup.dev/app"
"""Owner label: the name of the App that applied the object."""

LABEL_APP_NAMESPACE: Final = "trueup.dev/app-namespace"
"""Owner label: the namespace of the App that applied the object; absent when the App has
none (objects applied by earlier versions say ``default`` for such Apps)."""

TRACKING_ANNOTATION: Final = "trueup.dev/tracking-id"
"""The identity that decides ownership: ``<installation>:<app>:<group>/<kind>:<namespace>/<name>``.
An object whose value names another object is a copy and belongs to no App."""

TAKEOVER_ANNOTATION: Final = "trueup.dev/takeover"
"""On an object in Git, ``"true"`` lets its App take the object over from another App."""

PRUNE_ANNOTATION: Final = "trueup.dev/prune"
"""``disabled`` on a live object (or in Git) keeps it when Git no longer declares it."""

HELM_POLICY_ANNOTATION: Final = "helm.sh/resource-policy"
"""``keep`` keeps an object when Git no longer declares it, as Helm does."""

SSA_ANNOTATION: Final = "trueup.dev/ssa"
"""``IfNotPresent``: create the object but never update it; ``Ignore``: leave it alone."""

LAST_APPLIED_ANNOTATION: Final = "kubectl.kubernetes.io/last-applied-configuration"
"""What ``kubectl apply`` (client-side) remembers; dropped when trueup adopts an object."""

FIELD_MANAGER: Final = "trueup"
"""The server-side apply field manager trueup applies with."""


@dataclass(frozen=True, order=True, slots=True)
class ObjectId:
    """The identity of one object: API group, kind, namespace ('' if cluster-scoped) and name."""

    group: str
    kind: str
    namespace: str
    name: str

    def __str__(self) -> str:
        if self.namespace:
            return f"{self.kind}/{self.namespace}/{self.name}"
        return f"{self.kind}/{self.name}"

    @property
    def group_kind(self) -> str:
        """``Kind.group``, or ``Kind`` for the core group: the form ``kubectl`` prints."""
        return f"{self.kind}.{self.group}" if self.group else self.kind


@dataclass(frozen=True, slots=True)
class Origin:
    """Where a rendered object was declared: a path in the repository and its first line.

    Prints as ``apps/web/deploy.yaml:12``. ``line`` (1-based) is None when the object has no
    line of its own in the repository: kustomize output is attributed to its kustomization
    directory (``apps/overlay``), since kustomize does not say which file an object came from.
    """

    path: str
    line: int | None = None

    def __str__(self) -> str:
        return self.path if self.line is None else f"{self.path}:{self.line}"


def api_group(api_version: str) -> str:
    """The group of an ``apiVersion``: ``apps`` for ``apps/v1``, '' for ``v1``."""
    group, _, _version = api_version.rpartition("/")
    return group


def object_id(obj: Object) -> ObjectId:
    """The id of ``obj``; missing fields become '' and are caught by validation upstream."""
    metadata = obj.get("metadata") or {}
    return ObjectId(
        group=api_group(str(obj.get("apiVersion", ""))),
        kind=str(obj.get("kind", "")),
        namespace=str(metadata.get("namespace") or ""),
        name=str(metadata.get("name") or ""),
    )


def parse_time(value: object) -> datetime | None:
    """A time as Kubernetes writes it in an object (RFC 3339, ``Z`` or an offset, with or
    without fractions: ``renewTime``, a managedFields entry's ``time``), in UTC when it
    names no zone; None when ``value`` is not such a time."""
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)

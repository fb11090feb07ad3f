"""Which app owns an object: the app reference and trueup's two owner labels.

An object belongs to an app when both owner labels name that app. Prune relies on this
check (together with the inventory), so it is kept in one place.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from trueup.objects import LABEL_APP_NAME, LABEL_APP_NAMESPACE, Object


@dataclass(frozen=True, order=True, slots=True)
class AppRef:
    """The App an object set belongs to: its name and namespace (``default`` for files)."""

    name: str
    namespace: str

    def __str__(self) -> str:
        return f"{self.namespace}/{self.name}"

    @property
    def labels(self) -> dict[str, str]:
        """The owner labels trueup puts on every object it applies for this app."""
        return {LABEL_APP_NAME: self.name, LABEL_APP_NAMESPACE: self.namespace}


def labels_of(obj: Object) -> dict[str, Any]:
    """The labels of ``obj`` ({} when it has none or they are malformed)."""
    metadata = obj.get("metadata")
    labels = metadata.get("labels") if isinstance(metadata, dict) else None
    return labels if isinstance(labels, dict) else {}


def owner_of(obj: Object) -> AppRef | None:
    """The app named by the owner labels of ``obj``, or None when either label is missing."""
    labels = labels_of(obj)
    name, namespace = labels.get(LABEL_APP_NAME), labels.get(LABEL_APP_NAMESPACE)
    if not isinstance(name, str) or not isinstance(namespace, str):
        return None
    return AppRef(name=name, namespace=namespace)


def is_owned_by(obj: Object, app: AppRef) -> bool:
    """True when both owner labels of ``obj`` name ``app``."""
    return owner_of(obj) == app

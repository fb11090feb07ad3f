"""Strip what the server fills in by itself, so that two objects compare on what matters.

The fields removed are written by the API server or by controllers on every write
(bookkeeping, status, revision counters), never by the user's manifests; comparing them
would call every object changed.
"""

from __future__ import annotations

from typing import Any, Final

from trueup.objects import Object

NOISE_METADATA_FIELDS: Final = (
    "managedFields",
    "resourceVersion",
    "uid",
    "generation",
    "creationTimestamp",
    "selfLink",
    "deletionGracePeriodSeconds",
)
"""``metadata`` fields the server maintains."""

NOISE_ANNOTATIONS: Final = (
    "kubectl.kubernetes.io/last-applied-configuration",
    "deployment.kubernetes.io/revision",
)
"""Annotations written by client-side apply and by the Deployment controller."""


def normalize(obj: Object) -> Object:
    """A copy of ``obj`` without server noise; ``obj`` itself is left untouched.

    Only the levels that change are copied: the result shares nested values with ``obj``,
    so treat it as read-only. Labels and annotations that end up empty are removed, so
    that ``annotations: {}`` and no annotations compare equal.
    """
    result = {key: value for key, value in obj.items() if key != "status"}
    metadata = obj.get("metadata")
    if not isinstance(metadata, dict):
        return result
    cleaned: dict[str, Any] = {
        key: value for key, value in metadata.items() if key not in NOISE_METADATA_FIELDS
    }
    annotations = cleaned.get("annotations")
    if isinstance(annotations, dict):
        cleaned["annotations"] = {
            key: value for key, value in annotations.items() if key not in NOISE_ANNOTATIONS
        }
    for field in ("labels", "annotations"):
        if field in cleaned and not cleaned[field]:
            del cleaned[field]
    result["metadata"] = cleaned
    return result

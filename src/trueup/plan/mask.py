"""Hide Secret values from every text trueup shows: diffs, logs, events, API responses.

Every value under a Secret's ``data`` and ``stringData``, and its
``kubectl.kubernetes.io/last-applied-configuration`` annotation (which repeats them), is
replaced by a fixed mask. Values are never decoded, so invalid base64 is masked like any
other value. The masks carry no information about the value, not even its length or a
hash: in a before/after pair the only thing shown is whether a key changed.

- one object on its own: every value becomes ``MASK``;
- a before/after pair: an unchanged value is ``MASK`` on both sides; a changed, added or
  removed value is ``MASK_BEFORE`` on the before side and ``MASK_AFTER`` on the after side,
  so that a diff shows exactly which keys changed.
"""

from __future__ import annotations

from typing import Any, Final

from trueup.objects import Object

MASK: Final = "********"
"""A Secret value that is the same on both sides (or shown on its own)."""
MASK_BEFORE: Final = "--------"
"""A Secret value on the before (live) side that differs from the after side."""
MASK_AFTER: Final = "++++++++"
"""A Secret value on the after (desired) side that differs from the before side."""

SECRET_FIELDS: Final = ("data", "stringData")
LAST_APPLIED: Final = "kubectl.kubernetes.io/last-applied-configuration"

_ABSENT: Final = object()


def is_secret(obj: Object | None) -> bool:
    """True for a Secret, whatever its API version."""
    return obj is not None and obj.get("kind") == "Secret"


def mask_secret(obj: Object) -> Object:
    """A copy of ``obj`` with every Secret value replaced by MASK; other kinds as they are."""
    if not is_secret(obj):
        return obj
    masked, _ = mask_secret_pair(obj, obj)
    assert masked is not None  # a present side stays present
    return masked


def mask_secret_pair(
    before: Object | None, after: Object | None
) -> tuple[Object | None, Object | None]:
    """Copies of ``before`` and ``after`` with Secret values masked against each other.

    Nothing is masked when neither side is a Secret; a side that is None stays None.
    """
    if not (is_secret(before) or is_secret(after)):
        return before, after
    masked_before = dict(before) if before is not None else None
    masked_after = dict(after) if after is not None else None
    for field in SECRET_FIELDS:
        _mask_in(masked_before, masked_after, field, before, after)
    before_annotations = _annotations(before)
    after_annotations = _annotations(after)
    if LAST_APPLIED in before_annotations or LAST_APPLIED in after_annotations:
        new_before = dict(before_annotations)
        new_after = dict(after_annotations)
        _mask_in(new_before, new_after, LAST_APPLIED, before_annotations, after_annotations)
        _set_annotations(masked_before, new_before)
        _set_annotations(masked_after, new_after)
    return masked_before, masked_after


def _mask_in(
    target_before: dict[str, Any] | None,
    target_after: dict[str, Any] | None,
    key: str,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
) -> None:
    """Mask ``key`` in the two targets, comparing the values found in ``before``/``after``."""
    value_before = before.get(key, _ABSENT) if before is not None else _ABSENT
    value_after = after.get(key, _ABSENT) if after is not None else _ABSENT
    if target_before is not None and value_before is not _ABSENT:
        target_before[key] = _masked(value_before, value_after, MASK_BEFORE)
    if target_after is not None and value_after is not _ABSENT:
        target_after[key] = _masked(value_after, value_before, MASK_AFTER)


def _masked(value: Any, other: Any, changed_mask: str) -> Any:
    """``value`` masked: key by key for a mapping, as a whole for anything else."""
    if value is None:
        return None
    if isinstance(value, dict):
        others = other if isinstance(other, dict) else {}
        return {
            key: MASK if key in others and others[key] == item else changed_mask
            for key, item in value.items()
        }
    return MASK if value == other else changed_mask


def _annotations(obj: Object | None) -> dict[str, Any]:
    metadata = obj.get("metadata") if obj is not None else None
    annotations = metadata.get("annotations") if isinstance(metadata, dict) else None
    return annotations if isinstance(annotations, dict) else {}


def _set_annotations(obj: Object | None, annotations: dict[str, Any]) -> None:
    if obj is None or not annotations:
        return
    metadata = obj.get("metadata")
    obj["metadata"] = {
        **(metadata if isinstance(metadata, dict) else {}),
        "annotations": annotations,
    }

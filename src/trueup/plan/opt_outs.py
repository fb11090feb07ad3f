"""Per-object opt-outs: annotations that keep trueup's hands off one object.

- ``trueup.dev/ssa: IfNotPresent`` creates the object when it does not exist and never
  updates it afterwards; ``trueup.dev/ssa: Ignore`` neither creates nor updates it.
  Either is read from the object in Git or from the live object, so a person can also
  annotate a live object to make trueup leave it alone.
- ``trueup.dev/prune: disabled``, ``helm.sh/resource-policy: keep`` and ``ssa: Ignore``
  on the live object keep it when Git no longer declares it.
"""

from __future__ import annotations

from trueup.objects import (
    HELM_POLICY_ANNOTATION,
    PRUNE_ANNOTATION,
    SSA_ANNOTATION,
    Object,
)
from trueup.plan.ownership import annotations_of

IF_NOT_PRESENT = "IfNotPresent"
IGNORE = "Ignore"


def _ssa_policy(obj: Object | None) -> str:
    return str(annotations_of(obj).get(SSA_ANNOTATION, "")) if obj else ""


def leave_alone(desired: Object, live: Object | None) -> str:
    """Why apply must not touch ``desired`` (whose live state is ``live``), or ''."""
    policies = {_ssa_policy(desired), _ssa_policy(live)}
    if IGNORE in policies:
        return f"annotated {SSA_ANNOTATION}: {IGNORE}; left alone"
    if IF_NOT_PRESENT in policies and live is not None:
        return f"annotated {SSA_ANNOTATION}: {IF_NOT_PRESENT} and it exists; not updated"
    return ""


def keep_when_dropped(live: Object) -> str:
    """Why prune must keep ``live`` although Git dropped it, or ''."""
    annotations = annotations_of(live)
    if annotations.get(PRUNE_ANNOTATION) == "disabled":
        return f"annotated {PRUNE_ANNOTATION}: disabled"
    if annotations.get(HELM_POLICY_ANNOTATION) == "keep":
        return f"annotated {HELM_POLICY_ANNOTATION}: keep"
    if annotations.get(SSA_ANNOTATION) == IGNORE:
        return f"annotated {SSA_ANNOTATION}: {IGNORE}"
    return ""

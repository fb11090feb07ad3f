"""Tolerant readers for the parts of ``status`` the rules look at.

Live objects are untyped JSON; a malformed field reads as absent instead of raising, so
that one odd object gives a clear result instead of breaking health for the whole app.
"""

from __future__ import annotations

from typing import Any

from trueup.objects import Object


def mapping(value: Any) -> dict[str, Any]:
    """``value`` if it is a mapping, else {}."""
    return value if isinstance(value, dict) else {}


def spec_of(obj: Object) -> dict[str, Any]:
    """The ``spec`` of ``obj`` ({} when absent)."""
    return mapping(obj.get("spec"))


def status_of(obj: Object) -> dict[str, Any]:
    """The ``status`` of ``obj`` ({} when absent)."""
    return mapping(obj.get("status"))


def integer(value: Any, default: int = 0) -> int:
    """``value`` if it is an integer (not a bool), else ``default``."""
    return value if isinstance(value, int) and not isinstance(value, bool) else default


def condition(obj: Object, kind: str) -> dict[str, Any] | None:
    """The status condition of type ``kind``, or None."""
    conditions = status_of(obj).get("conditions")
    if not isinstance(conditions, list):
        return None
    for item in conditions:
        if isinstance(item, dict) and item.get("type") == kind:
            return item
    return None


def condition_status(obj: Object, kind: str) -> str | None:
    """ "True", "False" or "Unknown" for condition ``kind``, None when it is absent."""
    found = condition(obj, kind)
    status = found.get("status") if found is not None else None
    return status if isinstance(status, str) else None


def condition_text(found: dict[str, Any] | None) -> str:
    """The reason and message of a condition as one phrase ("Reason: message")."""
    if found is None:
        return ""
    reason, message = found.get("reason"), found.get("message")
    parts = [str(part) for part in (reason, message) if isinstance(part, str) and part]
    return ": ".join(parts)


def generation_lag(obj: Object) -> str:
    """Why the controller has not caught up with the spec yet, or '' when it has.

    Only compared when both numbers are present: objects whose controller does not
    publish ``observedGeneration`` are judged on the rest of their status.
    """
    generation = (obj.get("metadata") or {}).get("generation")
    observed = status_of(obj).get("observedGeneration")
    if isinstance(generation, int) and isinstance(observed, int) and observed < generation:
        return f"waiting for the controller to observe generation {generation} (at {observed})"
    return ""

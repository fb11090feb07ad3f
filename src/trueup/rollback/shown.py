"""How a pin is said and a revision's commit read: for ``status`` and ``history``, which
load neither the engine nor the rest of :mod:`trueup.rollback`."""

from __future__ import annotations

from trueup.store import EventKind, EventRecord, Pin, Severity


def commit_of(revision: str) -> str:
    """The commit id in a revision string (``main@sha1:<hex>``, ``sha1:<hex>``)."""
    return revision.rpartition("sha1:")[2].lower()


def describe_pin(pin: Pin) -> str:
    """``Pinned at <revision> by <who>`` with since when and why, as status says it."""
    why = f": {pin.reason}" if pin.reason else ""
    return (
        f"Pinned at {pin.revision} by {pin.by} since {pin.at:%Y-%m-%d %H:%M:%S} UTC{why}; "
        f"`trueup resume {pin.app}` follows Git again"
    )


def pinned_message(pin: Pin) -> str:
    """What the ``app.rolledback`` event of a pin says."""
    why = f" ({pin.reason})" if pin.reason else ""
    return f"rolled back: pinned at {pin.revision} by {pin.by}{why}"


def pin_event(pin: Pin) -> EventRecord:
    """The ``app.rolledback`` event of ``pin`` (mode ``pin``), as the store keeps it: for a
    CLI that pinned an App with no daemon running (a daemon reports the pins it finds)."""
    return EventRecord(
        at=pin.at,
        app=pin.app,
        kind=EventKind.ROLLED_BACK,
        level=Severity.INFO,
        message=pinned_message(pin),
        revision=pin.revision,
        fields={"mode": "pin", "by": pin.by},
    )

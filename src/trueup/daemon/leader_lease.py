"""The leader's record in a ``coordination.k8s.io/v1`` Lease, and the pure rules about it.

A Lease's ``spec`` says who leads (``holderIdentity``), for how long a renewal holds
(``leaseDurationSeconds``), since when (``acquireTime``), when it was last renewed
(``renewTime``) and how often leadership changed hands (``leaseTransitions``): the fields
client-go's leader election writes, so that ``kubectl get lease`` and tools built for it
read trueup's too.

Whether the holder's lease has run out is never decided from ``renewTime``, which another
machine's clock wrote: an observer times the lease from when it *saw* the record change, on
its own monotonic clock (:func:`expired`). Clock skew between machines then does not matter,
only their clocks' rates.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from trueup.objects import Object, ObjectId, parse_time

LEASE_API_VERSION = "coordination.k8s.io/v1"
"""The apiVersion of the Lease kind."""


def lease_id(namespace: str, name: str) -> ObjectId:
    """The id of the Lease ``name`` in ``namespace``, as messages print it."""
    return ObjectId("coordination.k8s.io", "Lease", namespace, name)


@dataclass(frozen=True, slots=True)
class LeaseRecord:
    """Who holds a Lease, as its ``spec`` says; ``holder`` is '' when nobody does."""

    holder: str
    duration: int
    """``leaseDurationSeconds``: how long a renewal holds, seen from an observer."""
    acquired: datetime | None
    renewed: datetime | None
    transitions: int


def whole_seconds(duration: timedelta) -> int:
    """``duration`` rounded up to whole seconds (a Lease counts in seconds), at least 1."""
    return max(1, math.ceil(duration.total_seconds()))


def read_record(lease: Object) -> LeaseRecord:
    """The record in ``lease``; missing or malformed fields read as empty (nobody, 0 s)."""
    spec = lease.get("spec") or {}
    return LeaseRecord(
        holder=str(spec.get("holderIdentity") or ""),
        duration=_integer(spec.get("leaseDurationSeconds")),
        acquired=parse_time(spec.get("acquireTime")),
        renewed=parse_time(spec.get("renewTime")),
        transitions=_integer(spec.get("leaseTransitions")),
    )


def claimed(record: LeaseRecord | None, identity: str, now: datetime, duration: int) -> LeaseRecord:
    """The record once ``identity`` took or renewed the lease ``record`` (None: no Lease yet).

    A renewal keeps ``acquired`` and the count of transitions; taking over from anyone else
    (or from nobody, after a release) counts one more transition.
    """
    if record is None:
        return LeaseRecord(identity, duration, now, now, 0)
    if record.holder == identity:
        return replace(record, duration=duration, acquired=record.acquired or now, renewed=now)
    return LeaseRecord(identity, duration, now, now, record.transitions + 1)


def released(record: LeaseRecord, now: datetime) -> LeaseRecord:
    """The record once its holder gave the lease up: nobody holds it, anyone may take it."""
    return LeaseRecord("", 1, now, now, record.transitions)


def expired(seen_at: float, record: LeaseRecord, now: float) -> bool:
    """Whether ``record``, unchanged since the observer saw it at ``seen_at``, has run out.

    Both times are the observer's own monotonic seconds.
    """
    return now >= seen_at + record.duration


def new_lease(namespace: str, name: str, record: LeaseRecord) -> Object:
    """A Lease to create, holding ``record``."""
    return {
        "apiVersion": LEASE_API_VERSION,
        "kind": "Lease",
        "metadata": {"name": name, "namespace": namespace},
        "spec": _spec(record),
    }


def with_record(lease: Object, record: LeaseRecord) -> Object:
    """``lease`` as read (its metadata and resourceVersion kept), now holding ``record``.

    Fields of the spec this module does not write (``strategy``, ``preferredHolder``) stay.
    """
    written = ("holderIdentity", "leaseDurationSeconds", "acquireTime", "renewTime")
    kept = {k: v for k, v in (lease.get("spec") or {}).items() if k not in written}
    return {**lease, "spec": {**kept, **_spec(record)}}


def _spec(record: LeaseRecord) -> Object:
    spec: Object = {
        "leaseDurationSeconds": record.duration,
        "leaseTransitions": record.transitions,
    }
    # As client-go writes it: no holder is no field (an empty string would be kept as one).
    if record.holder:
        spec["holderIdentity"] = record.holder
    if record.acquired is not None:
        spec["acquireTime"] = _formatparse_time(record.acquired)
    if record.renewed is not None:
        spec["renewTime"] = _formatparse_time(record.renewed)
    return spec


def _formatparse_time(moment: datetime) -> str:
    """Kubernetes ``MicroTime``: RFC 3339 in UTC with six decimals."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _integer(value: object) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0

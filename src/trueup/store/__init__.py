"""The audit trail: every reconcile attempt of every app, and what each app owns.

``Store`` is the interface the engine talks to; ``SqliteStore`` is the default
implementation (one file, zero setup) and ``MemoryStore`` the in-memory fake for tests of
the layers above. Change sets and inventories are kept one row per object, so questions
such as "when did Deployment/shop/web last change, and at which revision" are plain SQL.

The store keeps the events the daemon recorded (``trueup events``, the event feed), pruned
to a bounded retention. It also keeps what every process sharing it must agree on: which
apps are suspended, and the lock of each app that is being reconciled (``hold_app_lock``
holds one for a block, so that two reconciles of one app never interleave).
"""

from __future__ import annotations

from trueup.eventkinds import EventKind, Severity
from trueup.store.image_scans import ImageScan
from trueup.store.interrupted import mark_interrupted
from trueup.store.locking import AppLease, describe_holder, hold_app_lock
from trueup.store.memory import MemoryStore
from trueup.store.model import (
    AppLock,
    Attempt,
    AttemptResult,
    Confirmation,
    EventRecord,
    InventoryEntry,
    Pin,
    RecordedInputs,
    Revert,
    Schedule,
    Suspension,
    Trigger,
)
from trueup.store.outcome import Outcome
from trueup.store.owner import Owner
from trueup.store.protocol import Store
from trueup.store.sqlite import SqliteStore

__all__ = [
    "AppLease",
    "AppLock",
    "Attempt",
    "AttemptResult",
    "Confirmation",
    "EventKind",
    "EventRecord",
    "ImageScan",
    "InventoryEntry",
    "MemoryStore",
    "Outcome",
    "Owner",
    "Pin",
    "RecordedInputs",
    "Revert",
    "Schedule",
    "Severity",
    "SqliteStore",
    "Store",
    "Suspension",
    "Trigger",
    "describe_holder",
    "hold_app_lock",
    "mark_interrupted",
]

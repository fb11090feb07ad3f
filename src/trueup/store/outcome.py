"""What one sync records when it ends, written in one transaction.

A sync's end touches several records: the App's inventory (what it owns now), its last
comparison with the target, the attempt's final values, what its render read, and the
reverts it applied. Written one by one they cost a store round trip each; written as one
:class:`Outcome` (``Store.record_outcome``) they cost one, and a process killed at any
moment leaves either all of them or none (the attempt then stays ``running`` and is
recorded as ``interrupted``, with the inventory its start wrote).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from trueup.objects import ObjectId
from trueup.store.model import Attempt, Confirmation, InventoryEntry


@dataclass(frozen=True, slots=True)
class Outcome:
    """The records one sync of ``app`` writes when it ends; None leaves a record as it is."""

    app: str
    attempt: Attempt | None = None
    """The attempt's final values (``app``'s): completes the running attempt ``attempt.id``;
    when that one is no longer running (marked ``interrupted`` meanwhile), it is recorded
    as an attempt of its own. Then ``reads`` are remembered for it, and the pending reverts
    it applied are settled (``Store.settle_reverts``). None: no attempt (a dry run)."""
    inventory: tuple[InventoryEntry, ...] | None = None
    """The App's whole inventory from now on (``Store.replace_inventory``), on ``target``."""
    target: str = ""
    confirmation: Confirmation | None = None
    """The App's last comparison with its target from now on."""
    reads: frozenset[str] = frozenset()
    """What the attempt's render read; empty: nothing is remembered."""
    known: Mapping[ObjectId, tuple[str, str]] = field(default_factory=dict)
    """What a comparison found unchanged: each object's desired content hash and live
    ``resourceVersion``, noted on the App's inventory entry of that object (an entry is
    only updated, never added or removed; ids without one are passed over). Written after
    ``inventory``, so with a new inventory it updates the new entries."""

    def __post_init__(self) -> None:
        for name, record_app in (
            ("attempt", self.attempt.app if self.attempt else self.app),
            ("confirmation", self.confirmation.app if self.confirmation else self.app),
        ):
            if record_app != self.app:
                raise ValueError(f"the {name} of an outcome of {self.app!r} is {record_app!r}'s")

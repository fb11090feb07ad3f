"""One attempt's record through its life: written when it starts, completed when it ends.

The engine opens an :class:`AttemptLog` before it touches anything, so that a process
killed half-way leaves a ``running`` row naming its owner, target, trigger and (once
known) revision; a later trueup records it as ``interrupted``
(:func:`trueup.store.interrupted.mark_interrupted`). :func:`refuse_other_target` keeps an
App's inventory on the one target it belongs to.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime

from trueup.errors import ConfigError
from trueup.gitspec import Commit
from trueup.store.interrupted import mark_interrupted
from trueup.store.model import Attempt, AttemptResult, Confirmation, InventoryEntry
from trueup.store.outcome import Outcome
from trueup.store.owner import Owner
from trueup.store.protocol import Store


async def refuse_other_target(store: Store, app: str, target: str) -> None:
    """Raise ``ConfigError`` when the inventory of ``app`` belongs to a target other than
    ``target``.

    An App keeps one inventory, on the target it was applied to. Running it against
    another (a one-off ``--kubeconfig`` or ``--context``, or a second context for the same
    cluster) would prune by the wrong inventory there and overwrite the status and
    inventory of the real one, so it is refused before anything is read or applied.
    """
    home = await store.inventory_target(app)
    if home and home != target:
        raise ConfigError(
            f"App/{app} is applied to {home}, and its inventory and status belong there; this "
            f"command targets {target}. Run it against {home} (check --kubeconfig, --context, "
            f"spec.kubeconfig and spec.context); to move the App to {target} for good, first "
            f"remove its objects from {home} (sync it there with an empty path and "
            "spec.allowEmpty: true)"
        )


class AttemptLog:
    """The record of one attempt in ``store``; create it with :meth:`start`."""

    def __init__(self, store: Store, attempt: Attempt) -> None:
        """Use :meth:`start`; this wraps an attempt the store already holds."""
        self.store = store
        self.attempt = attempt

    @classmethod
    async def start(
        cls,
        store: Store,
        app: str,
        *,
        target: str,
        trigger: str,
        started: datetime,
        only: tuple[str, ...] = (),
    ) -> AttemptLog:
        """Record a ``running`` attempt of ``app`` owned by this process (of the objects
        ``only`` names, for a partial sync).

        Attempts of processes that are provably gone are recorded as ``interrupted`` first.
        """
        await mark_interrupted(store)
        attempt = Attempt(
            app=app,
            started_at=started,
            finished_at=started,
            revision=None,
            trigger=trigger,
            result=AttemptResult.RUNNING,
            target=target,
            owner=str(Owner.current()),
            only=only,
        )
        attempt_id = await store.record_attempt(attempt)
        return cls(store, dataclasses.replace(attempt, id=attempt_id))

    async def progress(
        self, at: datetime, *, revision: str | None, commit: Commit | None = None
    ) -> None:
        """Record what is known so far: the revision being applied (and its commit), and that
        it is alive."""
        self.attempt = dataclasses.replace(
            self.attempt, finished_at=at, revision=revision, commit=commit
        )
        await self.store.update_attempt(self.attempt)

    async def finish(
        self,
        attempt: Attempt,
        *,
        inventory: tuple[InventoryEntry, ...] | None = None,
        confirmation: Confirmation | None = None,
        reads: frozenset[str] = frozenset(),
    ) -> int:
        """Complete the attempt with ``attempt`` (its final values) and return its id,
        writing with it, in the same transaction, the App's new ``inventory`` and
        ``confirmation`` (None: left as they are) and what its render ``reads``, and
        settling the reverts it applied (see :class:`~trueup.store.outcome.Outcome`).

        Should another process have marked it ``interrupted`` meanwhile (it cannot, while
        this process lives), the final values are recorded as an attempt of their own.
        """
        done = dataclasses.replace(
            attempt, target=self.attempt.target, owner=self.attempt.owner, id=self.attempt.id
        )
        outcome = Outcome(
            done.app,
            attempt=done,
            inventory=inventory,
            target=self.attempt.target,
            confirmation=confirmation,
            reads=reads,
        )
        attempt_id = await self.store.record_outcome(outcome)
        assert attempt_id is not None  # an outcome with an attempt always has one
        if attempt_id == done.id:
            self.attempt = done
        return attempt_id

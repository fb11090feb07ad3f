"""``trueup delete APP [--cascade]``: forget an App that left the configuration, and with
``--cascade`` delete its objects first, under the same guards as a prune.

An App removed from the configuration stops being reconciled, but its objects stay where
they are and its inventory stays in the store (``status`` lists it as Removed). Deleting it:

- without ``--cascade``: forgets its inventory, last comparison, suspension and lock; its
  objects stay, unmanaged (their owner labels still name it, as after ``argocd app delete
  --cascade=false``);
- with ``--cascade``: deletes every object of its inventory that still carries its owner
  labels and tracking annotation, in reverse apply order, keeping what a prune keeps (an
  object relabelled by hand, one annotated ``trueup.dev/prune: disabled``, a Namespace or
  CRD holding objects it did not apply), then forgets it. The deletion is recorded as an
  attempt; when a delete fails, the App is not forgotten, so the command can be run again.

The history of the App is kept either way: it is the audit trail.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from trueup import apply
from trueup.changeset import Action, ChangeSet, ObjectChange
from trueup.errors import ConfigError
from trueup.failure import Failure
from trueup.objects import Object, ObjectId
from trueup.plan import AppRef, cascades, owner_of, plan_prune
from trueup.store import Attempt, AttemptResult, Store, hold_app_lock
from trueup.store.recorder import AttemptLog, refuse_other_target
from trueup.targets import Target

Progress = Callable[[str], None]


@dataclass(frozen=True, slots=True)
class Deletion:
    """What ``delete_app`` did: the objects deleted or kept, and the failure if any."""

    app: str
    changes: ChangeSet = field(default_factory=ChangeSet)
    forgotten: bool = False
    failure: Failure | None = None


async def delete_app(
    store: Store,
    target: Target,
    name: str,
    *,
    cascade: bool,
    trigger: str,
    installation: str,
    progress: Progress,
) -> Deletion:
    """Delete App ``name`` from ``target`` as the module says; ``ConfigError`` when the
    store does not know it or its inventory belongs to another target."""
    inventory = await store.inventory(name)
    if name not in await store.apps() and not inventory:
        raise ConfigError(f"App/{name} is not known to the store: nothing to delete")
    if not cascade or not inventory:
        await store.forget(name)
        return Deletion(name, forgotten=True)
    await refuse_other_target(store, name, target.identity)
    async with hold_app_lock(store, name, purpose=trigger):
        started, began = datetime.now(UTC), time.monotonic()
        log = await AttemptLog.start(
            store, name, target=target.identity, trigger=trigger, started=started
        )
        refs = [entry.ref() for entry in inventory]
        progress(f"reading {len(refs)} objects of App/{name}")
        live = await apply.read_live(target, refs)
        owner = _owner(name, installation, live)
        ids = [entry.id for entry in inventory]
        cascading = [oid for oid in ids if cascades(oid)]
        plan = plan_prune(
            ids,
            (),
            live,
            owner,
            prune_enabled=True,
            render_empty=True,
            source_ok=True,
            allow_empty=True,
            holdings=await apply.read_holdings(target, cascading, live) if cascading else {},
        )
        progress(f"deleting {len(plan.to_delete)} objects")
        pruned = await apply.prune(target, plan, live, apply.ApplyOptions())
        kept = tuple(ObjectChange(d.id, Action.SKIPPED, d.reason) for d in plan.skipped)
        changes = pruned.changes + ChangeSet(kept)
        failure = pruned.failure
        await log.finish(
            Attempt(
                app=name,
                started_at=started,
                finished_at=datetime.now(UTC),
                revision=None,
                trigger=trigger,
                result=AttemptResult.FAILED if failure else AttemptResult.SUCCEEDED,
                plan_summary=f"deleted: {changes.summary()}",
                changes=changes,
                duration_s=time.monotonic() - began,
                error=failure.message if failure else "",
                reason=failure.reason if failure else None,
            )
        )
        if failure is None:
            await store.forget(name)
    return Deletion(name, changes, forgotten=failure is None, failure=failure)


def _owner(name: str, installation: str, live: dict[ObjectId, Object | None]) -> AppRef:
    """The App as its objects name it: its namespace is read from their owner labels (the
    configuration that declared it is gone)."""
    for obj in live.values():
        found = owner_of(obj) if obj is not None else None
        if found is not None and found.name == name:
            return AppRef(name, found.namespace, installation)
    return AppRef(name, "", installation)

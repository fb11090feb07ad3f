"""Helm hooks: which phase a hook runs in, in which order, when it is deleted, and
whether a sync runs them at all. Pure: the apply layer carries the decisions out
(``trueup.apply.hooks``).

Rendering cannot tell an install from an upgrade, so trueup treats both alike: the
``pre-install`` and ``pre-upgrade`` hooks run before the main stages, ``post-install`` and
``post-upgrade`` after them, on every sync that applies something (see :func:`hooks_due`).
A hook of both kinds (``pre-install,pre-upgrade``) runs once. Delete, rollback and any
other types are refused (:func:`unsupported_events`); test hooks never get this far (the
render drops them).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from trueup.objects import Object, ObjectId, Origin, api_group, object_id
from trueup.plan.order import kind_rank


class HookPhase(StrEnum):
    """When a hook runs: before the main stages or after them."""

    PRE = "pre"
    POST = "post"


PHASES: Final = {
    "pre-install": HookPhase.PRE,
    "pre-upgrade": HookPhase.PRE,
    "post-install": HookPhase.POST,
    "post-upgrade": HookPhase.POST,
}
"""The hook types trueup runs, and the phase each runs in."""

BEFORE_HOOK_CREATION: Final = "before-hook-creation"
HOOK_SUCCEEDED: Final = "hook-succeeded"
HOOK_FAILED: Final = "hook-failed"
DELETE_POLICIES: Final = frozenset({BEFORE_HOOK_CREATION, HOOK_SUCCEEDED, HOOK_FAILED})


@dataclass(frozen=True, slots=True)
class Hook:
    """A Helm hook object of the chart: when it runs, in which order, when it is deleted."""

    obj: Object
    origin: Origin
    events: tuple[str, ...]
    """The ``helm.sh/hook`` types, test types left out."""
    weight: int
    """``helm.sh/hook-weight``: lower runs first."""
    delete_policies: tuple[str, ...]
    """``helm.sh/hook-delete-policy`` as written; see :func:`delete_policies`."""

    @property
    def phase(self) -> HookPhase:
        """The phase of the hook's first supported type (all are checked at render)."""
        for event in self.events:
            if event in PHASES:
                return PHASES[event]
        raise ValueError(f"{object_id(self.obj)} has no supported hook type")

    @property
    def label(self) -> str:
        """``pre-install,pre-upgrade hook``: how the change set names it."""
        return f"{','.join(self.events)} hook"


def unsupported_events(events: Iterable[str]) -> tuple[str, ...]:
    """The hook types of ``events`` trueup does not run (delete, rollback, unknown)."""
    return tuple(event for event in events if event not in PHASES)


def unsupported_policies(policies: Iterable[str]) -> tuple[str, ...]:
    """The delete policies of ``policies`` trueup does not know."""
    return tuple(policy for policy in policies if policy not in DELETE_POLICIES)


def delete_policies(hook: Hook) -> frozenset[str]:
    """The hook's delete policies; ``before-hook-creation`` when it names none."""
    return frozenset(hook.delete_policies) or frozenset({BEFORE_HOOK_CREATION})


def hooks_of(hooks: Iterable[Hook], phase: HookPhase) -> tuple[Hook, ...]:
    """The hooks of ``phase`` in the order they run: weight, then kind order, then name
    (then namespace, so the order is total)."""
    return tuple(sorted((h for h in hooks if h.phase is phase), key=_hook_key))


def _hook_key(hook: Hook) -> tuple[int, int, str, str]:
    oid = object_id(hook.obj)
    rank = kind_rank(api_group(str(hook.obj.get("apiVersion", ""))), oid.kind)
    return hook.weight, rank, oid.name, oid.namespace


def hooks_due(
    revision: str, last_good_revision: str | None, unchanged: bool, hooks: Sequence[Hook]
) -> bool:
    """Whether a sync of ``revision`` runs its hooks.

    Hooks run on every sync that applies a new revision or changed objects: they are
    skipped only when the App's last succeeded sync was of this same revision
    (``last_good_revision``) and every desired object is ``unchanged`` since that sync's
    apply (same content, same live ``resourceVersion``). A failed sync, a new commit, an
    edited or deleted live object (self-heal) all run them again.
    """
    if not hooks:
        return False
    return not (unchanged and last_good_revision == revision)


def hook_ids(hooks: Iterable[Hook]) -> frozenset[ObjectId]:
    """The ids of ``hooks``' objects."""
    return frozenset(object_id(h.obj) for h in hooks)


__all__ = [
    "BEFORE_HOOK_CREATION",
    "DELETE_POLICIES",
    "HOOK_FAILED",
    "HOOK_SUCCEEDED",
    "PHASES",
    "Hook",
    "HookPhase",
    "delete_policies",
    "hook_ids",
    "hooks_due",
    "hooks_of",
    "unsupported_events",
    "unsupported_policies",
]

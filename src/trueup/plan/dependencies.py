"""Whether an App may sync yet: every App in its ``spec.dependsOn`` is ready.

A dependency is ready when the last time it was synced (its newest attempt that was not
skipped), that sync succeeded at the revision its source resolves to now. So a dependency
that was never synced, whose last sync failed, was interrupted or is still running, or
whose Git source has moved on since, holds its dependents back until it is synced again;
so does one whose source cannot be read now (nothing says its current revision was
applied). A suspended dependency is judged by the same rule, on its record: it is ready
while its last sync is current, and the refusal says it is suspended, since resuming it is
then the way forward.

Only real syncs wait for dependencies; a dry run (``diff``, ``sync --dry-run``) changes
nothing and never waits.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class DependencyState:
    """What is known of one dependency when an App that depends on it is about to sync."""

    app: str
    """The dependency, as ``App/name`` (or ``App/namespace/name``)."""
    last_result: str | None
    """The result of its newest attempt that was not skipped; None when there is none."""
    last_revision: str | None
    """The revision of that attempt (None if it failed before resolving one)."""
    current_revision: str | None
    """What its source resolves to now; None when the source could not be read."""
    source_problem: str = ""
    """Why the source could not be read, when it could not."""
    suspended: bool = False


def why_not_ready(dependency: DependencyState) -> str | None:
    """Why ``dependency`` is not ready, in words; None when it is."""
    reason = _reason(dependency)
    if reason is None:
        return None
    if dependency.suspended:
        reason += " (it is suspended: set its spec.suspend to false and sync it)"
    return reason


def _reason(dep: DependencyState) -> str | None:
    at = f" at {dep.last_revision}" if dep.last_revision else ""
    if dep.last_result is None:
        return f"{dep.app} has never been synced"
    if dep.last_result == "running":
        return f"{dep.app} is being synced now{at}"
    if dep.last_result != "succeeded":
        ended = _ENDED.get(dep.last_result, f"ended {dep.last_result}")
        return f"{dep.app}'s last sync{at} {ended}"
    if dep.current_revision is None:
        problem = dep.source_problem or "no revision"
        return f"{dep.app}'s source cannot be read, so its current revision is unknown: {problem}"
    if dep.last_revision != dep.current_revision:
        return f"{dep.app} last succeeded{at}, but its source is now at {dep.current_revision}"
    return None


_ENDED = {"failed": "failed", "cancelled": "was cancelled", "interrupted": "was interrupted"}


def dependency_refusal(app: str, dependencies: Iterable[DependencyState]) -> str | None:
    """The message refusing to sync ``app`` (``App/name``), or None when all are ready."""
    reasons = [reason for dep in dependencies if (reason := why_not_ready(dep)) is not None]
    if not reasons:
        return None
    return (
        f"{app} waits for its dependencies (spec.dependsOn): {'; '.join(reasons)}. "
        "Sync them first, or sync with --ignore-dependencies"
    )

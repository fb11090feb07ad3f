"""Rollback by revert: commits on the source's branch that restore what an App read at an
earlier revision, so that Git says what the cluster will run (``rollback --revert``).

The steps, each a function here:

1. :func:`plan_revert`: the App's attempt at REVISION (a succeeded one from history) and
   its recorded read-set, with the App's current one (a path read now but not then must be
   emptied too): the paths to restore, on the branch the App's GitSource follows (a tag, a
   semver range or a pinned commit cannot be reverted), and the other Apps whose current
   read-sets include one of those paths: they change too.
2. :func:`push_revert`: one commit, made through the one Git writer
   (:func:`trueup.gitwrite.write`, with the source's *write* credentials), that makes every
   such path as it was at REVISION's commit (a directory's subtree equal, files added since
   deleted). Its message names the commits it reverts (those between REVISION and the head
   that touched the paths) and who asked (a ``Requested-by:`` trailer). A push rejected
   because the branch moved re-runs the edit on the new head (the writer's retry).
3. The pending revert is recorded in the store (:class:`~trueup.store.Revert`) until an
   attempt of the App applies the revert commit or a later one of the branch; image
   automation asks :meth:`~trueup.store.Store.pending_reverts` before it writes a path.
4. Normal reconcile applies the commit: Git stays the truth.

:func:`revert_app` strings 1 to 3 together for the CLI and the API; it refuses with
:class:`ConfirmationError` while other Apps are affected and ``yes`` is not given.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from trueup.config import App, GitSource, LoadedConfig
from trueup.errors import ConfigError, PermanentError, SourceError
from trueup.eventkinds import EventKind, Severity
from trueup.gitspec import RefKind
from trueup.gitwrite import WriteRequest, writable_repository_for, write
from trueup.masking import Masker
from trueup.rollback.branch import branch_history
from trueup.rollback.pin import HISTORY_DEPTH, applied_attempt, commit_of
from trueup.rollback.readset import affected_apps, restored_paths
from trueup.rollback.restore import restorer
from trueup.source.from_config import repository_for
from trueup.store import EventRecord, Revert, Store

Clock = Callable[[], datetime]


class ConfirmationError(PermanentError):
    """Other Apps read the paths a revert restores: the caller must confirm (``--yes``,
    ``"yes": true``) before they change too. ``others`` names them."""

    def __init__(self, message: str, others: tuple[str, ...]) -> None:
        super().__init__(message)
        self.others = others


@dataclass(frozen=True, slots=True)
class RevertPlan:
    """What a revert of ``app`` to ``revision`` restores, on which branch of which source."""

    app: str
    revision: str
    """The revision restored, as history shows it (``main@sha1:<40 hex>``)."""
    commit: str
    """That revision's commit."""
    source: str
    """The App's GitSource, as an id (``GitSource/ns/name``)."""
    branch: str
    paths: tuple[str, ...]
    """Repository-relative paths (files or directories) made as they were at ``commit``."""
    others: tuple[str, ...] = ()
    """Other Apps whose current read-sets include one of ``paths`` (they change too)."""

    def confirmation(self) -> str:
        """What a person confirms: the other Apps that change too, and why."""
        return (
            f"App/{self.app}: the revert to {self.revision} restores "
            f"{', '.join(self.paths)}, which {_apps(self.others)} also "
            f"read{'s' if len(self.others) == 1 else ''}: "
            f"{'it changes' if len(self.others) == 1 else 'they change'} too"
        )


@dataclass(frozen=True, slots=True)
class RevertOutcome:
    """What a revert did: the pushed commit (None when nothing differed from REVISION)."""

    plan: RevertPlan
    by: str
    commit: str | None
    parent: str = ""
    """The head the commit was made on (or found nothing to change on)."""
    reverted: tuple[str, ...] = ()
    """The commits undone, one ``<short sha> <subject>`` line each, newest first."""
    attempts: int = 0
    """Pushes tried (more than one when the branch moved under the first)."""
    at: datetime = field(default_factory=lambda: datetime.now(UTC))

    @property
    def pushed(self) -> bool:
        """Whether a commit was pushed."""
        return self.commit is not None

    def summary(self) -> str:
        """One sentence for people: what was pushed, or that nothing differed."""
        plan = self.plan
        if self.commit is None:
            return (
                f"App/{plan.app}: nothing to revert: {', '.join(plan.paths)} on branch "
                f"{plan.branch} already hold what {plan.revision} had; no commit was made"
            )
        undone = f" undoing {_counted(len(self.reverted), 'commit')}" if self.reverted else ""
        return (
            f"App/{plan.app}: pushed {self.commit[:12]} to branch {plan.branch} of "
            f"{plan.source}{undone}: {', '.join(plan.paths)} as of {plan.revision}"
        )


def _counted(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _apps(names: tuple[str, ...]) -> str:
    return ", ".join(f"App/{name}" for name in names)


async def plan_revert(config: LoadedConfig, store: Store, app: str, revision: str) -> RevertPlan:
    """What reverting ``app`` to ``revision`` restores, and which other Apps it changes.

    ``revision`` is one the App applied successfully (as ``trueup history`` shows it, or a
    commit id or a unique prefix of at least 7 hex digits). Raises :class:`ConfigError`
    for an unknown App or revision, a source that follows no branch, or a revision whose
    read-set was not recorded.
    """
    found = _app(config, app)
    source = config.source_of(found)
    branch = _branch(found, source)
    attempt = applied_attempt(await store.history(app, HISTORY_DEPTH), revision, app)
    assert attempt.revision is not None  # applied_attempt's promise
    assert attempt.id is not None  # recorded attempts have ids
    then = await store.reads(attempt.id)
    if not then:
        raise ConfigError(
            f"App/{app}: trueup did not record what the render of {attempt.revision} read "
            "(it was applied by an older trueup), so a revert cannot know which files to "
            f"restore; use `trueup rollback {app} --to {attempt.revision}` (pin mode) instead"
        )
    current = await store.current_reads()
    paths = restored_paths(then, current.get(app, frozenset()))
    for path in paths:
        if path.startswith("/") or ".." in path.split("/"):
            raise ConfigError(
                f"App/{app}: the recorded read-set holds {path!r}, outside the repository"
            )
    same_source = {
        name: reads
        for name, reads in current.items()
        if name != app and _source_of(config, name) == source.id
    }
    return RevertPlan(
        app=app,
        revision=attempt.revision,
        commit=commit_of(attempt.revision),
        source=str(source.id),
        branch=branch,
        paths=paths,
        others=affected_apps(same_source, paths, besides=app),
    )


def _app(config: LoadedConfig, name: str) -> App:
    for app in config.apps:
        if app.metadata.name == name:
            return app
    known = ", ".join(sorted(a.metadata.name for a in config.apps)) or "none"
    raise ConfigError(f"App/{name} is not in the configuration (apps: {known})")


def _source_of(config: LoadedConfig, name: str) -> object:
    return next((config.source_of(a).id for a in config.apps if a.metadata.name == name), None)


def _branch(app: App, source: GitSource) -> str:
    """The branch ``source`` follows; ConfigError for a tag, a semver range or a commit."""
    ref = source.spec.ref
    if ref.kind is RefKind.BRANCH:
        return ref.value
    raise ConfigError(
        f"App/{app.metadata.name}: {source.id} follows {ref.describe()}, not a branch, so "
        "there is no branch to push a revert to; roll back with "
        f"`trueup rollback {app.metadata.name} --to REVISION` (pin mode) instead, or move "
        "the ref in Git"
    )


async def push_revert(
    config: LoadedConfig, plan: RevertPlan, *, by: str, reason: str = ""
) -> RevertOutcome:
    """Push one commit that makes ``plan.paths`` on ``plan.branch`` as they were at
    ``plan.commit``, with the source's write credentials.

    The branch's history is read with the read credentials: REVISION's commit must be an
    ancestor of the head (:class:`SourceError` otherwise), and the commits since that
    touched the paths are named in the message, with ``Requested-by: <by>``. A push
    rejected because the branch moved is re-applied on the new head by the writer.
    Nothing to change: no commit (``RevertOutcome.commit`` is None).
    """
    app = _app(config, plan.app)
    source = config.source_of(app)
    writable = writable_repository_for(source, config)  # refuses a source without spec.write
    repository = repository_for(source, config)
    with tempfile.TemporaryDirectory(prefix="trueup-revert-") as scratch:
        async with branch_history(repository, plan.branch) as history:
            if not await history.is_ancestor(plan.commit):
                raise SourceError(
                    f"App/{plan.app}: commit {plan.commit[:12]} of {plan.revision} is not on "
                    f"branch {plan.branch} of {source.id} any more (the branch was rewritten); "
                    "a revert can only restore a revision the branch still holds"
                )
            reverted = await history.commits_touching(plan.commit, plan.paths)
            then = await history.checkout(plan.commit, Path(scratch))
        message = revert_message(plan, reverted, by, reason)
        result = await write(
            writable, WriteRequest(plan.branch, message, restorer(then, plan.paths))
        )
    return RevertOutcome(
        plan=plan,
        by=by,
        commit=result.commit if result.pushed else None,
        parent=result.parent,
        reverted=reverted if result.pushed else (),
        attempts=result.attempts,
    )


def revert_message(plan: RevertPlan, reverted: tuple[str, ...], by: str, reason: str = "") -> str:
    """The revert commit's message: subject, why, the paths, the commits reverted, who
    asked."""
    lines = [
        f"Revert {plan.app} to {plan.commit[:12]}",
        "",
        *([reason.strip(), ""] if reason.strip() else []),
        f"Restore, as of {plan.commit} ({plan.revision}):",
        *(f"  {path}" for path in plan.paths),
    ]
    if reverted:
        lines += ["", "Reverted commits:", *(f"  {line}" for line in reverted)]
    if plan.others:
        lines += ["", f"Also changes: {_apps(plan.others)}"]
    return "\n".join([*lines, "", f"Requested-by: {by}", ""])


async def revert_app(
    config: LoadedConfig,
    store: Store,
    app: str,
    revision: str,
    *,
    by: str,
    yes: bool = False,
    reason: str = "",
    clock: Clock = lambda: datetime.now(UTC),
) -> RevertOutcome:
    """Plan, confirm, push and record a revert of ``app`` to ``revision`` (``rollback
    --revert``): the CLI's and the API's one path.

    ``by`` is who asked (``cli:alice``, ``api:ci``); ``reason``, if any, goes into the
    commit message. Raises :class:`ConfirmationError`
    when other Apps read the restored paths and ``yes`` is false (nothing is pushed). A
    pushed revert is recorded as pending in the store until applied. The caller publishes
    :func:`revert_event` of the outcome (the daemon on its bus, the CLI to the store).
    """
    plan = await plan_revert(config, store, app, revision)
    if plan.others and not yes:
        raise ConfirmationError(plan.confirmation(), plan.others)
    outcome = await push_revert(config, plan, by=by, reason=reason)
    masker = Masker(config.secret_values())
    outcome = RevertOutcome(
        plan=outcome.plan,
        by=by,
        commit=outcome.commit,
        parent=outcome.parent,
        reverted=tuple(masker(line) for line in outcome.reverted),
        attempts=outcome.attempts,
        at=clock(),
    )
    if outcome.commit is not None:
        await store.record_revert(
            Revert(
                app=app,
                source=plan.source,
                branch=plan.branch,
                paths=plan.paths,
                revision=plan.revision,
                commit=outcome.commit,
                parent=outcome.parent,
                by=by,
                at=outcome.at,
            )
        )
    return outcome


def revert_event(outcome: RevertOutcome) -> EventRecord:
    """The ``app.rolledback`` event of a pushed revert (mode ``revert``), naming the commit."""
    plan = outcome.plan
    return EventRecord(
        at=outcome.at,
        app=plan.app,
        kind=EventKind.ROLLED_BACK,
        level=Severity.INFO,
        message=(
            f"rolled back to {plan.revision} by a revert: pushed {outcome.commit} to branch "
            f"{plan.branch} (asked by {outcome.by})"
        ),
        revision=plan.revision,
        fields={
            "mode": "revert",
            "commit": outcome.commit,
            "branch": plan.branch,
            "source": plan.source,
            "by": outcome.by,
            "paths": ", ".join(plan.paths),
            "others": ", ".join(plan.others),
            "reverted": len(outcome.reverted),
        },
    )


def revert_data(outcome: RevertOutcome) -> dict[str, object]:
    """A revert as plain data: what ``rollback --revert -o json`` prints and the API answers."""
    plan = outcome.plan
    return {
        "app": plan.app,
        "mode": "revert",
        "revision": plan.revision,
        "source": plan.source,
        "branch": plan.branch,
        "paths": list(plan.paths),
        "others": list(plan.others),
        "by": outcome.by,
        "pushed": outcome.pushed,
        "commit": outcome.commit,
        "parent": outcome.parent,
        "reverted": list(outcome.reverted),
        "attempts": outcome.attempts,
        "summary": outcome.summary(),
    }

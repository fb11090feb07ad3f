"""One run of an ImageUpdate: selected images into Git, directly or through a pull request.

:func:`run_update` strings the steps together:

1. every declared ImagePolicy's selection, from the tags the store keeps
   (:mod:`.selection`);
2. the branches to write: the source's branch itself (``push.branch`` left out or equal
   to it), one update branch, or one update branch per policy (``push.branch`` naming
   ``{policy}``);
3. per branch, one write through the one Git writer (:func:`trueup.gitwrite.write`) whose
   edit applies the markers under ``spec.path`` (:mod:`.edit`), leaving alone files a
   pending rollback revert of the same branch covers. No change, no commit. A push
   rejected because someone pushed in between re-runs the edit on the new head (the
   writer's retry); a protected branch is an error, never forced;
4. an update branch is rebuilt on its base at each change and replaced with
   ``--force-with-lease``, only while trueup owns it (:mod:`.branch`); when it already
   holds exactly this change on the current base, nothing is pushed;
5. with ``push.pullRequest``: the pull request from the update branch is opened, or
   updated in place (:mod:`.pulls`: never a second one). A pull request someone closed
   without merging is their answer for those images (its hidden marker is a digest of
   them, :func:`.message.change_key`): while it stands, the update branch is left as it is
   for them, even when the base moves, and no pull request is opened; a newer image set
   is pushed and opens a new one.

Branches of one policy each are independent: a failure on one (a refused push, a forge
error) is recorded on that branch's outcome (:attr:`BranchOutcome.error`, with the
error's class and whether it is temporary) and the other branches are still written.
With one branch, its failure is raised, as before.

A dry run makes the same edits in the writer's work tree, keeps the diff, and commits
nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Mapping
from dataclasses import dataclass, replace
from pathlib import Path

import httpx

from trueup.config import GitSource, LoadedConfig
from trueup.config.image_update import ImageUpdate, render
from trueup.errors import (
    ConfigError,
    NotLeaderError,
    PushRejectedError,
    TemporaryError,
    TrueupError,
)
from trueup.forge import PullRequest
from trueup.gitwrite import (
    Author,
    Edit,
    WritableRepository,
    WriteRequest,
    writable_repository_for,
    write,
)
from trueup.images import Change, LatestImage, MarkerProblem, PolicyName, ProblemKind
from trueup.imageupdate.branch import BranchState, update_branch
from trueup.imageupdate.edit import Edited, apply_markers
from trueup.imageupdate.message import commit_message
from trueup.imageupdate.pulls import Pulls
from trueup.imageupdate.selection import Selected, images_of, selections
from trueup.store import Store


@dataclass(frozen=True, slots=True)
class BranchOutcome:
    """What a run did on one branch.

    ``commit`` is the branch's head afterwards (the new commit when ``pushed``; None for a
    dry run or an update branch that was not created); ``pull`` and ``pull_action``
    (``created``, ``updated``, ``unchanged``, or ``declined``: the pull request of this
    very image set was closed without a merge, and is not opened again; the branch is then
    left as it was and ``changes`` are those it would have proposed) tell of the pull
    request, when there is one. ``error`` is set when writing this branch failed (one
    update branch per policy): the message, ``error_class`` the class of
    :mod:`trueup.errors` it was raised as, ``temporary`` whether a later run may succeed.
    """

    branch: str
    changes: tuple[Change, ...]
    pushed: bool
    commit: str | None
    parent: str | None
    diff: str = ""
    pull_url: str = ""
    pull_number: int | None = None
    pull_action: str = ""
    error: str = ""
    error_class: str = ""
    temporary: bool = False


@dataclass(frozen=True, slots=True)
class UpdateResult:
    """What one run of an ImageUpdate did, on every branch it wrote."""

    update: str
    """``ImageUpdate/<name>``."""
    source: str
    branches: tuple[BranchOutcome, ...]
    problems: tuple[MarkerProblem, ...]
    held: tuple[str, ...]
    """Files left alone because a pending rollback revert covers them."""
    selected: tuple[Selected, ...]
    dry_run: bool = False

    @property
    def changes(self) -> tuple[Change, ...]:
        """Every field changed (or, for a dry run, that would be), on every branch."""
        return tuple(c for b in self.branches for c in b.changes)

    @property
    def pushed(self) -> tuple[BranchOutcome, ...]:
        """The branches a commit was pushed to."""
        return tuple(b for b in self.branches if b.pushed)

    @property
    def failed(self) -> tuple[BranchOutcome, ...]:
        """The branches whose write failed (only with one update branch per policy)."""
        return tuple(b for b in self.branches if b.error)

    @property
    def diff(self) -> str:
        """The diff of every branch, one after the other."""
        return "".join(b.diff for b in self.branches)


def source_of(update: ImageUpdate, config: LoadedConfig) -> GitSource:
    """The GitSource ``update`` writes to (present: the loader checks it)."""
    for source in config.sources:
        if source.metadata.name == update.spec.source and source.namespace == update.namespace:
            return source
    raise ConfigError(f"{update.id}: no GitSource '{update.spec.source}' (check spec.source)")


def writer_for(update: ImageUpdate, config: LoadedConfig) -> WritableRepository:
    """How to push for ``update``: the source's write access, with ``spec.commit.author`` in
    place of the source's ``spec.write.author`` when it is given."""
    writable = writable_repository_for(source_of(update, config), config)
    author = update.spec.commit.author
    if author is None:
        return writable
    return replace(writable, author=Author(author.name, author.email))


async def run_update(
    update: ImageUpdate,
    config: LoadedConfig,
    store: Store,
    *,
    dry_run: bool = False,
    forge_transport: httpx.AsyncBaseTransport | None = None,
) -> UpdateResult:
    """Run ``update`` once (see the module's steps) and say what it did.

    Raises the writer's errors (:class:`~trueup.errors.PushRejectedError` for a protected
    branch or a branch trueup does not own, :class:`~trueup.errors.PushConflictError`,
    :class:`~trueup.errors.SourceUnavailableError`), and :class:`~trueup.errors.ForgeError`
    or :class:`~trueup.errors.ForgeUnavailableError` for the pull request; with one update
    branch per policy, each branch's error is recorded on its outcome instead (except
    :class:`~trueup.errors.NotLeaderError`: nothing more may be written).
    """
    source = source_of(update, config)
    followed = source.spec.ref.branch
    if followed is None:
        raise ConfigError(f"{update.id}: GitSource '{source.metadata.name}' follows no branch")
    writable = writer_for(update, config)
    selected = selections(config, await store.image_scans())
    reverts = [
        r
        for r in await store.pending_reverts()
        if r.source == str(source.id) and r.branch == followed
    ]

    def held(file: str) -> bool:
        return any(revert.covers(file) for revert in reverts)

    push = update.spec.push
    pull = push.pull_request
    pulls = Pulls(update, pull, config, forge_transport) if pull is not None else None
    run = _Run(update, config, writable, held, dry_run, pulls)
    base = (pull.base if pull is not None else None) or followed
    images = images_of(selected)
    try:
        if push.branch is None or push.branch == followed:
            outcomes = [await run.direct(followed, images)]
        elif push.per_policy:
            outcomes = []
            for name in sorted(images):
                fields = {"update": update.metadata.name, "policy": name.name}
                branch = render(push.branch, fields)
                only = {p: (image if p == name else None) for p, image in images.items()}
                outcomes.append(await _isolated(branch, run.owned(branch, base, only, name)))
        else:
            branch = render(push.branch, {"update": update.metadata.name, "policy": ""})
            outcomes = [await run.owned(branch, base, images, None)]
    finally:
        if pulls is not None:
            await pulls.aclose()
    return UpdateResult(
        update=str(update.id),
        source=str(source.id),
        branches=tuple(outcomes),
        problems=run.problems(),
        held=tuple(sorted(run.held)),
        selected=tuple(selected[name] for name in sorted(selected)),
        dry_run=dry_run,
    )


async def _isolated(branch: str, writing: Coroutine[None, None, BranchOutcome]) -> BranchOutcome:
    """The outcome of ``writing`` (one policy's branch), or its error recorded on the
    branch, so that the other branches are still written."""
    try:
        return await writing
    except NotLeaderError:
        raise
    except TrueupError as e:
        return BranchOutcome(
            branch,
            (),
            pushed=False,
            commit=None,
            parent=None,
            error=str(e),
            error_class=type(e).__name__,
            temporary=isinstance(e, TemporaryError),
        )


class _Run:
    """The writes of one run, sharing what they found."""

    def __init__(
        self,
        update: ImageUpdate,
        config: LoadedConfig,
        writable: WritableRepository,
        held: Callable[[str], bool],
        dry_run: bool,
        pulls: Pulls | None,
    ) -> None:
        self._update, self._config, self._writable = update, config, writable
        self._held, self._dry_run, self._pulls = held, dry_run, pulls
        self._problems: dict[tuple[str, int, ProblemKind, str], MarkerProblem] = {}
        self.held: set[str] = set()

    def problems(self) -> tuple[MarkerProblem, ...]:
        return tuple(self._problems[key] for key in sorted(self._problems))

    def _note(self, edited: Edited, only: PolicyName | None) -> None:
        self.held.update(edited.held)
        for problem in edited.problems:
            mine = problem.policy.startswith(f"{only}:") or problem.policy == str(only)
            if only is not None and problem.kind is ProblemKind.NO_SELECTION and not mine:
                continue  # another policy's marker, left for its own branch
            self._problems[(problem.file, problem.line, problem.kind, problem.policy)] = problem

    def _edit(
        self, images: Mapping[PolicyName, LatestImage | None], only: PolicyName | None
    ) -> tuple[Edit, Callable[[], Edited]]:
        found: list[Edited] = [Edited()]

        async def edit(tree: Path) -> bool:
            edited = apply_markers(
                tree, self._update.spec.path, images, held=self._held, write=not self._dry_run
            )
            found[0] = edited
            self._note(edited, only)
            return bool(edited.changes) and not self._dry_run

        return edit, lambda: found[0]

    async def direct(
        self, branch: str, images: Mapping[PolicyName, LatestImage | None]
    ) -> BranchOutcome:
        """Commit on the source's own branch, without force."""
        edit, last = self._edit(images, None)
        update = self._update

        def message() -> str:
            return commit_message(update, branch, last().changes)

        result = await write(self._writable, WriteRequest(branch, message, edit))
        edited = last()
        return BranchOutcome(
            branch,
            edited.changes,
            result.pushed,
            result.commit if not self._dry_run else None,
            result.parent,
            edited.diff,
        )

    async def owned(
        self,
        branch: str,
        base: str,
        images: Mapping[PolicyName, LatestImage | None],
        only: PolicyName | None,
    ) -> BranchOutcome:
        """Rebuild the update branch ``branch`` on ``base`` and replace it with a lease."""
        update = self._update
        state = await update_branch(self._writable, branch, base)
        if state.head is not None and not state.owned_by(str(update.id)):
            raise PushRejectedError(
                f"{update.id}: branch '{branch}' exists and its head {state.head[:12]} is not "
                "a commit trueup wrote for this ImageUpdate (someone pushed to it, or it is "
                "another branch); trueup replaces only update branches it owns: delete the "
                "branch, or name another one in spec.push.branch"
            )
        edit_changes, last = self._edit(images, only)
        same = _Same(update, branch, state, last)
        pulls = self._pulls
        declined: list[PullRequest | None] = [None]

        async def edit(tree: Path) -> bool:
            declined[0] = None
            changed = await edit_changes(tree)
            if not changed or same.as_before(_work_tree_head(tree)):
                return False
            if pulls is not None:
                # A person closed this image set's pull request: leave the branch as it is.
                declined[0] = await pulls.declined(branch, last().changes)
            return declined[0] is None

        def message() -> str:
            return commit_message(update, branch, last().changes)

        request = WriteRequest(
            branch, message, edit, force_with_lease=True, base=base, expected=state.head
        )
        result = await write(self._writable, request)
        edited = last()
        commit: str | None = result.commit if result.pushed else state.head
        if self._dry_run:
            commit = None
        outcome = BranchOutcome(
            branch, edited.changes, result.pushed, commit, result.parent, edited.diff
        )
        if declined[0] is not None and not result.pushed:
            closed = declined[0]
            return replace(
                outcome, pull_url=closed.url, pull_number=closed.number, pull_action="declined"
            )
        if pulls is None or self._dry_run or commit is None or not edited.changes:
            return outcome
        answer = await pulls.upsert(branch, base, edited.changes, commit)
        return replace(
            outcome,
            pull_url=answer.pull.url,
            pull_number=answer.pull.number,
            pull_action=answer.action,
        )


class _Same:
    """Whether an owned update branch already holds exactly this change on this base."""

    def __init__(
        self, update: ImageUpdate, branch: str, state: BranchState, last: Callable[[], Edited]
    ) -> None:
        self._update, self._branch, self._state, self._last = update, branch, state, last

    def as_before(self, base: str | None) -> bool:
        """True when the branch's head is this change's commit on ``base`` (the commit the
        work tree was checked out at; the base's head as listed when unknown)."""
        state = self._state
        if state.head is None or state.parent != (base or state.base):
            return False
        message = commit_message(self._update, self._branch, self._last().changes)
        return state.message.strip() == message.strip()


def _work_tree_head(tree: Path) -> str | None:
    """The commit the writer checked the work tree out at (its branch's loose ref)."""
    git_dir = tree / ".git"
    try:
        head = (git_dir / "HEAD").read_text().strip()
        if head.startswith("ref: "):
            return (git_dir / head[5:]).read_text().strip() or None
        return head or None
    except OSError:
        return None

"""What the local forge stub holds: statuses, pull requests and comments, in memory.

Every repository exists as soon as it is named (a stub has no accounts to create). Each
record is kept in the forge's neutral terms; the routes of each forge translate (GitLab's
``failed`` is stored as it was posted, so a GitLab client reads back its own words).
Statuses are all kept, newest last, as the forges keep them: a test can count how often a
state was posted. Only the event loop of the server touches a :class:`ForgeState`.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime


@dataclass(frozen=True, slots=True)
class Status:
    """One posted commit status, in the words of the forge it was posted to."""

    id: int
    sha: str
    state: str
    context: str
    description: str
    target_url: str
    created_at: str


@dataclass(frozen=True, slots=True)
class Pull:
    """A pull (merge) request; ``open`` until closed (``merged`` when closed by a merge)."""

    number: int
    head: str
    base: str
    title: str
    body: str
    open: bool = True
    merged: bool = False


@dataclass(frozen=True, slots=True)
class Note:
    """A comment on a pull request."""

    id: int
    pull: int
    body: str
    created_at: str


@dataclass(slots=True)
class RepoState:
    """Everything held for one repository of one forge."""

    statuses: dict[str, list[Status]] = field(default_factory=dict)
    pulls: dict[int, Pull] = field(default_factory=dict)
    notes: dict[int, Note] = field(default_factory=dict)


class ForgeState:
    """The repositories of every forge the stub serves, keyed by (forge, path)."""

    def __init__(self) -> None:
        self._repos: dict[tuple[str, str], RepoState] = {}
        self._ids = itertools.count(1)

    def repo(self, forge: str, path: str) -> RepoState:
        """The repository ``path`` on ``forge``, created empty on first use."""
        return self._repos.setdefault((forge, path.lower()), RepoState())

    def add_status(
        self,
        forge: str,
        path: str,
        sha: str,
        *,
        state: str,
        context: str,
        description: str = "",
        target_url: str = "",
    ) -> Status:
        """Record a status posted on ``sha``."""
        status = Status(next(self._ids), sha, state, context, description, target_url, _now())
        self.repo(forge, path).statuses.setdefault(sha.lower(), []).append(status)
        return status

    def statuses(self, forge: str, path: str, sha: str) -> list[Status]:
        """The statuses of ``sha``, newest first (as GitHub, GitLab and Gitea list them)."""
        return list(reversed(self.repo(forge, path).statuses.get(sha.lower(), [])))

    def open_pull(self, forge: str, path: str, head: str, base: str, title: str, body: str) -> Pull:
        """Open a pull request; raises ValueError when one from ``head`` is open already
        (the forges refuse a duplicate too)."""
        repo = self.repo(forge, path)
        if self.pull_from(forge, path, head) is not None:
            raise ValueError(f"a pull request from {head!r} is open already")
        number = len(repo.pulls) + 1
        pull = Pull(number, head, base, title, body)
        repo.pulls[number] = pull
        return pull

    def pull_from(self, forge: str, path: str, head: str) -> Pull | None:
        """The open pull request from branch ``head``, if any."""
        pulls = self.repo(forge, path).pulls.values()
        return next((p for p in pulls if p.open and p.head == head), None)

    def pulls(self, forge: str, path: str, *, open_only: bool) -> list[Pull]:
        """The pull requests, oldest first."""
        return [p for p in self.repo(forge, path).pulls.values() if p.open or not open_only]

    def pulls_in(self, forge: str, path: str, state: str) -> list[Pull]:
        """The pull requests in ``state`` (``open``, ``closed`` (merged or not), ``merged``,
        ``unmerged`` (closed without a merge), anything else: all), oldest first."""
        return [p for p in self.repo(forge, path).pulls.values() if _in_state(p, state)]

    def edit_pull(self, forge: str, path: str, number: int, **changes: object) -> Pull | None:
        """Change fields of pull request ``number``; None when it does not exist."""
        repo = self.repo(forge, path)
        pull = repo.pulls.get(number)
        if pull is None:
            return None
        repo.pulls[number] = replace(pull, **changes)  # type: ignore[arg-type]
        return repo.pulls[number]

    def add_note(self, forge: str, path: str, number: int, body: str) -> Note:
        """Comment on pull request ``number`` (which must exist)."""
        note = Note(next(self._ids), number, body, _now())
        self.repo(forge, path).notes[note.id] = note
        return note

    def notes(self, forge: str, path: str, number: int) -> list[Note]:
        """The comments on pull request ``number``, oldest first."""
        return [n for n in self.repo(forge, path).notes.values() if n.pull == number]

    def edit_note(self, forge: str, path: str, note_id: int, body: str) -> Note | None:
        """Replace a comment's body; None when the repository has no such comment."""
        notes = self.repo(forge, path).notes
        note = notes.get(note_id)
        if note is None:
            return None
        notes[note_id] = replace(note, body=body)
        return notes[note_id]


def _in_state(pull: Pull, state: str) -> bool:
    if state == "open":
        return pull.open
    if state == "closed":
        return not pull.open
    if state == "merged":
        return pull.merged
    if state == "unmerged":
        return not pull.open and not pull.merged
    return True


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")

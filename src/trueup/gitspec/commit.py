"""What a commit says of itself: its author, subject and time, and how git is asked for them.

:class:`Commit` travels from the source (which reads it once per commit, see
:mod:`trueup.source.commits`) through the engine into every recorded attempt, so that
history says who changed what in Git, and when. :data:`COMMIT_FORMAT` is the one
``git log --format`` this module's :func:`parse_commit` reads: fields separated by NUL,
which no name, address or subject can hold.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

COMMIT_FORMAT = "%H%x00%an%x00%ae%x00%ct%x00%s"
"""Commit id, author name, author email, committer time (Unix seconds), subject."""

MAX_SUBJECT_CHARS = 500
"""A subject longer than this (one very long first line) is cut, ending in ``…``."""

MAX_NAME_CHARS = 200
"""An author name or email longer than this is cut, ending in ``…``."""

_SHA = re.compile(r"[0-9a-f]{40}")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


@dataclass(frozen=True, slots=True)
class Commit:
    """A commit's id, author (name and email), subject line and committer time (UTC)."""

    sha: str
    author: str
    email: str
    subject: str
    committed_at: datetime

    def __post_init__(self) -> None:
        if not _SHA.fullmatch(self.sha):
            raise ValueError(f"a commit id is 40 lower-case hex digits, got {self.sha!r}")
        at = self.committed_at
        if at.tzinfo is None or at.utcoffset() is None:
            raise ValueError(f"committed_at must be timezone-aware, got {at.isoformat()}")
        object.__setattr__(self, "committed_at", at.astimezone(UTC))

    @property
    def signature(self) -> str:
        """``Ana Lima <ana@example.com>``, or the name alone when there is no email."""
        return f"{self.author} <{self.email}>" if self.email else self.author


def parse_commit(sha: str, output: bytes) -> Commit | None:
    """The commit ``sha`` as ``git log -1 --format=COMMIT_FORMAT`` printed it; None when the
    output is not that (another commit, missing fields, a time that is not a number)."""
    text = output.decode("utf-8", "replace").rstrip("\n")
    fields = text.split("\0")
    if len(fields) != 5:
        return None
    found, author, email, seconds, subject = fields
    if found != sha or not _SHA.fullmatch(sha) or not seconds.isdigit():
        return None
    try:
        at = datetime.fromtimestamp(int(seconds), UTC)
    except (OverflowError, ValueError, OSError):
        return None
    return Commit(
        sha=sha,
        author=_cut(author, MAX_NAME_CHARS),
        email=_cut(email, MAX_NAME_CHARS),
        subject=_cut(subject, MAX_SUBJECT_CHARS),
        committed_at=at,
    )


def _cut(text: str, limit: int) -> str:
    # Control characters become spaces: a subject must not steer the terminal it is shown on.
    text = _CONTROL.sub(" ", text).strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"

"""What a write to Git is described by, and what it returns.

Plain frozen dataclasses. A :class:`WritableRepository` is a source's repository with its
*write* credentials (never the read ones), the identity commits are made with, an optional
signing key and the retry budget; a :class:`WriteRequest` is one change: which branch, the
commit message, and an ``edit`` callback that makes the change in a work tree.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from trueup.config.gitsource import (
    DEFAULT_AUTHOR_EMAIL,
    DEFAULT_AUTHOR_NAME,
    DEFAULT_RETRIES,
    MAX_RETRIES,
    identity_problem,
)
from trueup.errors import SourceError
from trueup.source import GitRepository

Edit = Callable[[Path], Awaitable[bool]]
"""Changes files in the work tree it is given; returns whether there is something to commit.

It may run more than once for one write: after a push is rejected because the branch
moved, the work tree is reset to the new head and ``edit`` runs again on top of it.
"""


@dataclass(frozen=True)
class Author:
    """Who commits: used as both author and committer of every commit trueup writes.

    Name and email follow :func:`trueup.config.gitsource.identity_problem`, the rule the
    configuration's ``spec.write.author`` is checked with.
    """

    name: str = DEFAULT_AUTHOR_NAME
    email: str = DEFAULT_AUTHOR_EMAIL

    def __post_init__(self) -> None:
        for what, value in (("name", self.name), ("email", self.email)):
            problem = identity_problem(value)
            if problem is not None:
                raise SourceError(
                    f"the commit author's {what} {value[:80]!r} cannot be used: {problem}; "
                    "give a plain name and email address"
                )


class SigningMode(StrEnum):
    """How commits are signed: an OpenPGP key or an SSH key."""

    GPG = "gpg"
    SSH = "ssh"


@dataclass(frozen=True)
class SigningKey:
    """A private key commits are signed with; never shown in ``repr``.

    ``gpg``: an ASCII-armored OpenPGP secret key without passphrase
    (``gpg --armor --export-secret-keys KEYID``). ``ssh``: an OpenSSH private key without
    passphrase. It lives only in the write's private scratch directory.
    """

    mode: SigningMode
    private_key: str = field(repr=False)

    def __post_init__(self) -> None:
        if not self.private_key.strip():
            raise SourceError(f"the {self.mode} signing key is empty")
        if self.mode is SigningMode.GPG and "BEGIN PGP PRIVATE KEY BLOCK" not in self.private_key:
            raise SourceError(
                "a gpg signing key must be an ASCII-armored secret key "
                "(gpg --armor --export-secret-keys KEYID)"
            )
        if self.mode is SigningMode.SSH and "PRIVATE KEY" not in self.private_key:
            raise SourceError("an ssh signing key must be an OpenSSH private key")


@dataclass(frozen=True)
class WritableRepository:
    """A repository trueup may push to, with everything a write needs.

    ``repository`` carries the URL, the ref the source follows, the *write* credentials, a
    private CA and the timeout: each git command, and each attempt, is bounded by
    ``repository.timeout`` (60 s when None). ``retries`` bounds how often a push rejected
    because the branch moved is re-applied on the new head (0 to :data:`MAX_RETRIES`).
    """

    repository: GitRepository
    author: Author = field(default_factory=Author)
    signing: SigningKey | None = None
    retries: int = DEFAULT_RETRIES

    def __post_init__(self) -> None:
        if not 0 <= self.retries <= MAX_RETRIES:
            raise SourceError(f"write retries must be between 0 and {MAX_RETRIES}")


Message = str | Callable[[], str]
"""A commit message, or a function that writes it after each run of ``edit``.

A function suits a message that describes what the edit found (``1.2.3 → 1.3.0``): when
the change is re-applied on a newer head, the message follows what it did there.
"""


@dataclass(frozen=True)
class WriteRequest:
    """One change to push: ``edit`` run on ``branch``, committed with ``message``.

    A normal request pushes without force: the branch must exist and only moves forward.

    ``force_with_lease`` is for a branch trueup itself created and owns (image
    automation's update branches), never the branch the source follows: the work tree
    starts from ``base`` (a branch; the branch itself when None), and the push replaces the
    branch only if it still points at ``expected`` (None: only if it does not exist yet),
    as ``git push --force-with-lease=<branch>:<expected>``.
    """

    branch: str
    message: Message
    edit: Edit
    force_with_lease: bool = False
    expected: str | None = None
    base: str | None = None

    def __post_init__(self) -> None:
        if isinstance(self.message, str):
            check_message(self.message)
        if not self.force_with_lease and (self.expected is not None or self.base is not None):
            raise SourceError("expected and base are only for a force-with-lease write")


def check_message(message: str) -> str:
    """``message`` if it can be a commit message; :class:`SourceError` when it is empty."""
    if not message.strip():
        raise SourceError("a commit message must not be empty")
    return message


@dataclass(frozen=True)
class WriteResult:
    """What a write did.

    ``commit`` is the branch's head afterwards: the new commit when ``pushed``, else the
    head the edit found nothing to change on (then ``commit == parent``). ``parent`` is the
    commit the change was made on; ``attempts`` counts the pushes tried (0 when nothing
    was pushed).
    """

    branch: str
    commit: str
    parent: str
    attempts: int
    pushed: bool

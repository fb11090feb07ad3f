"""The one interface to a forge's REST API that trueup's writers use.

:class:`Forge` is what :mod:`trueup.forge.github`, :mod:`~trueup.forge.gitlab` and
:mod:`~trueup.forge.gitea` implement, each for one repository. Every method is one or a
few HTTP requests; none retries (the caller decides: a notification queue retries, a CLI
command reports). A refusal raises :class:`~trueup.errors.ForgeError` (permanent: 401,
403, 404, 422, a redirect), anything that may pass later
:class:`~trueup.errors.ForgeUnavailableError` (a timeout, a broken connection, 429, 5xx).
Higher-level steps built from these calls (a comment updated in place, a pull request
opened once) are in :mod:`trueup.forge.upsert`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Protocol

from trueup.forge.model import Comment, CommitStatus, PullRequest, Repository


class Forge(Protocol):
    """One repository on one forge, reached with one token."""

    @property
    def repository(self) -> Repository:
        """The repository every call is about."""
        ...

    async def post_status(self, status: CommitStatus) -> None:
        """Set ``status`` on its commit (replacing the one of the same context)."""
        ...

    async def statuses(self, sha: str) -> list[CommitStatus]:
        """Every status posted on commit ``sha``, newest first as the forge lists them."""
        ...

    async def open_pull_request(self, head: str) -> PullRequest | None:
        """The open pull request from branch ``head`` of this repository, or None."""
        ...

    def closed_pull_requests(self, head: str) -> AsyncIterator[PullRequest]:
        """The pull requests from branch ``head`` that were closed without being merged,
        most recently updated first, following the forge's pagination."""
        ...

    def comments(self, pull: PullRequest) -> AsyncIterator[Comment]:
        """The comments on ``pull``, oldest first, following the forge's pagination."""
        ...

    async def create_comment(self, pull: PullRequest, body: str) -> Comment:
        """Add a comment with ``body`` to ``pull``."""
        ...

    async def update_comment(self, pull: PullRequest, comment_id: int, body: str) -> Comment:
        """Replace the body of comment ``comment_id`` on ``pull``."""
        ...

    async def create_pull_request(self, head: str, base: str, title: str, body: str) -> PullRequest:
        """Open a pull request from branch ``head`` into ``base``."""
        ...

    async def update_pull_request(self, pull: PullRequest, title: str, body: str) -> PullRequest:
        """Replace the title and body of ``pull``."""
        ...

    async def aclose(self) -> None:
        """Release connections."""
        ...

"""Gitea's REST API (v1; Forgejo speaks the same): statuses, pull requests, comments.

Auth is ``Authorization: token <token>``. Lists are paged with ``page`` and ``limit``.
Gitea's pull request list cannot be filtered by head branch, so the open pull requests
are read page by page and the one whose head is the branch (in this repository, not a
fork) is taken. The other calls mirror GitHub's and are
:class:`~trueup.forge.repoapi.RepoApiForge`'s.
"""

from __future__ import annotations

import ssl
from collections.abc import AsyncIterator
from typing import Any, Final

import httpx

from trueup.forge.http import PER_PAGE
from trueup.forge.model import PullRequest, Repository
from trueup.forge.repoapi import RepoApiForge

_PAGE: Final[dict[str, str | int]] = {"limit": PER_PAGE}


class Gitea(RepoApiForge):
    """:class:`~trueup.forge.client.Forge` for one Gitea repository (``owner/name``)."""

    def __init__(
        self,
        repository: Repository,
        token: str,
        *,
        timeout: float = 10.0,
        verify: ssl.SSLContext | bool = True,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        super().__init__(
            repository,
            token,
            {"Authorization": f"token {token}"},
            _PAGE,
            timeout=timeout,
            verify=verify,
            transport=transport,
        )

    def _state_field(self, item: Any) -> str:
        # Gitea calls the state "status" in its answers, "state" in requests.
        return str(item.get("status") or item.get("state") or "")

    async def open_pull_request(self, head: str) -> PullRequest | None:
        """``GET /repos/{owner}/{repo}/pulls?state=open``, read until the one from ``head``."""
        path = self.repository.path
        return await self._first_open_pull(
            head, {**_PAGE, "state": "open"}, lambda item: _same_repository(item, path)
        )

    async def closed_pull_requests(self, head: str) -> AsyncIterator[PullRequest]:
        """``GET /repos/{owner}/{repo}/pulls?state=closed&sort=recentupdate``, the ones
        from ``head`` (in this repository) that were not merged."""
        path = self.repository.path
        params = {**_PAGE, "state": "closed", "sort": "recentupdate"}
        async for pull in self._closed_unmerged(
            head, params, lambda item: _same_repository(item, path)
        ):
            yield pull


def _same_repository(item: Any, path: str) -> bool:
    """Whether the pull request's head is in ``path`` (not a fork's branch of that name);
    true when the forge did not say."""
    repo = item.get("head", {}).get("repo") or {}
    full_name = repo.get("full_name")
    return full_name is None or str(full_name).lower() == path.lower()

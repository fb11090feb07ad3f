"""GitHub's REST API (github.com and GitHub Enterprise Server): statuses, pulls, comments.

Auth is ``Authorization: Bearer <token>`` (a fine-grained or classic personal access
token, or an app installation token) with the API version pinned by
``X-GitHub-Api-Version``. A pull request's comments are its issue's comments; the open
pull request of a branch is found with ``head=<owner>:<branch>``. The calls themselves
are :class:`~trueup.forge.repoapi.RepoApiForge`'s, which Gitea shares.
"""

from __future__ import annotations

import ssl
from collections.abc import AsyncIterator
from typing import Final

import httpx

from trueup.forge.http import PER_PAGE
from trueup.forge.model import PullRequest, Repository
from trueup.forge.repoapi import RepoApiForge

API_VERSION: Final = "2022-11-28"

_PAGE: Final[dict[str, str | int]] = {"per_page": PER_PAGE}


class GitHub(RepoApiForge):
    """:class:`~trueup.forge.client.Forge` for one GitHub repository (``owner/name``)."""

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
            {
                "Authorization": f"Bearer {token}",
                "Accept": "application/vnd.github+json",
                "X-GitHub-Api-Version": API_VERSION,
            },
            _PAGE,
            timeout=timeout,
            verify=verify,
            transport=transport,
        )

    async def open_pull_request(self, head: str) -> PullRequest | None:
        """``GET /repos/{owner}/{repo}/pulls?state=open&head=<owner>:<head>``."""
        owner = self.repository.path.split("/")[0]
        return await self._first_open_pull(
            head, {**_PAGE, "state": "open", "head": f"{owner}:{head}"}
        )

    async def closed_pull_requests(self, head: str) -> AsyncIterator[PullRequest]:
        """``GET /repos/{owner}/{repo}/pulls?state=closed&head=<owner>:<head>``, newest
        first, without the merged ones."""
        owner = self.repository.path.split("/")[0]
        params = {
            **_PAGE,
            "state": "closed",
            "head": f"{owner}:{head}",
            "sort": "updated",
            "direction": "desc",
        }
        async for pull in self._closed_unmerged(head, params):
            yield pull

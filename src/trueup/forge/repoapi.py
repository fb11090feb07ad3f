"""The repository API GitHub and Gitea share: statuses, pull requests, comments.

Gitea's v1 API mirrors GitHub's REST API for these endpoints (same paths under
``repos/{owner}/{repo}``, same bodies, a pull request's comments are its issue's
comments), so one class speaks it; each forge's module sets the auth headers and the
paging parameter and overrides only what differs: how the open pull request of a
branch is found and how a status's state is read.
"""

from __future__ import annotations

import ssl
from collections.abc import AsyncIterator, Callable, Mapping
from typing import Any
from urllib.parse import quote

import httpx

from trueup.forge.http import ForgeHttp
from trueup.forge.model import (
    Comment,
    CommitState,
    CommitStatus,
    PullRequest,
    Repository,
    comment_of,
)


class RepoApiForge:
    """:class:`~trueup.forge.client.Forge` for one ``owner/name`` repository of a
    GitHub-shaped API; subclasses find the open pull request of a branch."""

    def __init__(
        self,
        repository: Repository,
        token: str,
        headers: Mapping[str, str],
        page: Mapping[str, str | int],
        *,
        timeout: float,
        verify: ssl.SSLContext | bool,
        transport: httpx.AsyncBaseTransport | None,
    ) -> None:
        self._http = ForgeHttp(
            repository,
            dict(headers),
            token=token,
            timeout=timeout,
            verify=verify,
            transport=transport,
        )
        self._page: dict[str, str | int] = dict(page)
        self._repo = "repos/" + "/".join(quote(p, safe="") for p in repository.path.split("/"))

    @property
    def repository(self) -> Repository:
        """The repository every call is about."""
        return self._http.repository

    async def post_status(self, status: CommitStatus) -> None:
        """``POST /repos/{owner}/{repo}/statuses/{sha}``."""
        body: dict[str, str] = {
            "state": status.state.value,
            "context": status.context,
            "description": status.description,
        }
        if status.target_url:
            body["target_url"] = status.target_url
        await self._http.call(
            "POST",
            f"{self._repo}/statuses/{quote(status.sha, safe='')}",
            f"post the status of {status.sha[:12]}",
            json=body,
        )

    async def statuses(self, sha: str) -> list[CommitStatus]:
        """``GET /repos/{owner}/{repo}/commits/{sha}/statuses``, every page."""
        found: list[CommitStatus] = []
        path = f"{self._repo}/commits/{quote(sha, safe='')}/statuses"
        async for page in self._http.pages(path, f"list the statuses of {sha[:12]}", self._page):
            found.extend(
                CommitStatus(
                    sha=sha,
                    state=_state(self._state_field(item)),
                    context=str(item.get("context") or ""),
                    description=str(item.get("description") or ""),
                    target_url=item.get("target_url") or None,
                )
                for item in page
            )
        return found

    def _state_field(self, item: Any) -> str:
        """The state as a listed status says it."""
        return str(item.get("state", ""))

    async def open_pull_request(self, head: str) -> PullRequest | None:
        """The open pull request from ``head`` in this repository, if any."""
        raise NotImplementedError

    async def _first_open_pull(
        self,
        head: str,
        params: Mapping[str, str | int],
        fits: Callable[[Any], bool] | None = None,
    ) -> PullRequest | None:
        """``GET /repos/{owner}/{repo}/pulls`` with ``params``, read until the one from
        ``head`` (and, given ``fits``, for which it is true)."""
        async for page in self._http.pages(
            f"{self._repo}/pulls", f"find the pull request of {head!r}", dict(params)
        ):
            for item in page:
                if head_of(item) == head and (fits is None or fits(item)):
                    return pull_of(item)
        return None

    def closed_pull_requests(self, head: str) -> AsyncIterator[PullRequest]:
        """The pull requests from ``head`` closed without a merge, newest first."""
        raise NotImplementedError

    async def _closed_unmerged(
        self,
        head: str,
        params: Mapping[str, str | int],
        fits: Callable[[Any], bool] | None = None,
    ) -> AsyncIterator[PullRequest]:
        """``GET /repos/{owner}/{repo}/pulls`` with ``params`` (``state=closed``), the ones
        from ``head`` that were not merged (GitHub says ``merged_at``, Gitea ``merged``)."""
        async for page in self._http.pages(
            f"{self._repo}/pulls", f"list the closed pull requests of {head!r}", dict(params)
        ):
            for item in page:
                merged = bool(item.get("merged")) or item.get("merged_at") is not None
                if (
                    item.get("state") == "closed"
                    and not merged
                    and head_of(item) == head
                    and (fits is None or fits(item))
                ):
                    yield pull_of(item)

    async def comments(self, pull: PullRequest) -> AsyncIterator[Comment]:
        """``GET /repos/{owner}/{repo}/issues/{number}/comments``, every page."""
        path = f"{self._repo}/issues/{pull.number}/comments"
        async for page in self._http.pages(
            path, f"list the comments of #{pull.number}", self._page
        ):
            for item in page:
                yield comment_of(item)

    async def create_comment(self, pull: PullRequest, body: str) -> Comment:
        """``POST /repos/{owner}/{repo}/issues/{number}/comments``."""
        item = await self._http.call(
            "POST",
            f"{self._repo}/issues/{pull.number}/comments",
            f"comment on #{pull.number}",
            json={"body": body},
        )
        return comment_of(item)

    async def update_comment(self, pull: PullRequest, comment_id: int, body: str) -> Comment:
        """``PATCH /repos/{owner}/{repo}/issues/comments/{id}``."""
        item = await self._http.call(
            "PATCH",
            f"{self._repo}/issues/comments/{comment_id}",
            f"update comment {comment_id} of #{pull.number}",
            json={"body": body},
        )
        return comment_of(item)

    async def create_pull_request(self, head: str, base: str, title: str, body: str) -> PullRequest:
        """``POST /repos/{owner}/{repo}/pulls``."""
        item = await self._http.call(
            "POST",
            f"{self._repo}/pulls",
            f"open a pull request from {head!r}",
            json={"head": head, "base": base, "title": title, "body": body},
        )
        return pull_of(item)

    async def update_pull_request(self, pull: PullRequest, title: str, body: str) -> PullRequest:
        """``PATCH /repos/{owner}/{repo}/pulls/{number}``."""
        item = await self._http.call(
            "PATCH",
            f"{self._repo}/pulls/{pull.number}",
            f"update pull request #{pull.number}",
            json={"title": title, "body": body},
        )
        return pull_of(item)

    async def aclose(self) -> None:
        """Close the connections."""
        await self._http.aclose()


def _state(value: str) -> CommitState:
    return CommitState(value) if value in set(CommitState) else CommitState.ERROR


def head_of(item: Any) -> str:
    """The head branch of a listed pull request."""
    return str(item.get("head", {}).get("ref", ""))


def pull_of(item: Any) -> PullRequest:
    """A pull request as the API answers it."""
    return PullRequest(
        number=int(item["number"]),
        head=head_of(item),
        base=str(item.get("base", {}).get("ref", "")),
        title=str(item.get("title") or ""),
        body=str(item.get("body") or ""),
        url=str(item.get("html_url") or ""),
    )

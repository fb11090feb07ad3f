"""Gitea's REST API (v1; Forgejo speaks the same): statuses, pull requests, comments.

Auth is ``Authorization: token <token>``. Lists are paged with ``page`` and ``limit``.
Gitea's pull request list cannot be filtered by head branch, so the open pull requests
are read page by page and the one whose head is the branch (in this repository, not a
fork) is taken. A pull request's comments are its issue's comments, as on GitHub.
"""

from __future__ import annotations

import ssl
from collections.abc import AsyncIterator
from typing import Any, Final
from urllib.parse import quote

import httpx

from trueup.forge.http import PER_PAGE, ForgeHttp
from trueup.forge.model import Comment, CommitState, CommitStatus, PullRequest, Repository

_PAGE: Final[dict[str, str | int]] = {"limit": PER_PAGE}


class Gitea:
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
        self._http = ForgeHttp(
            repository,
            {"Authorization": f"token {token}"},
            token=token,
            timeout=timeout,
            verify=verify,
            transport=transport,
        )
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
        async for page in self._http.pages(path, f"list the statuses of {sha[:12]}", _PAGE):
            for item in page:
                # Gitea calls the state "status" in its answers, "state" in requests.
                state = str(item.get("status") or item.get("state") or "")
                found.append(
                    CommitStatus(
                        sha=sha,
                        state=CommitState(state)
                        if state in set(CommitState)
                        else CommitState.ERROR,
                        context=str(item.get("context") or ""),
                        description=str(item.get("description") or ""),
                        target_url=item.get("target_url") or None,
                    )
                )
        return found

    async def open_pull_request(self, head: str) -> PullRequest | None:
        """``GET /repos/{owner}/{repo}/pulls?state=open``, read until the one from ``head``."""
        params = {**_PAGE, "state": "open"}
        async for page in self._http.pages(
            f"{self._repo}/pulls", f"find the pull request of {head!r}", params
        ):
            for item in page:
                if _head(item) == head and _same_repository(item, self.repository.path):
                    return _pull(item)
        return None

    async def comments(self, pull: PullRequest) -> AsyncIterator[Comment]:
        """``GET /repos/{owner}/{repo}/issues/{index}/comments``, every page."""
        path = f"{self._repo}/issues/{pull.number}/comments"
        async for page in self._http.pages(path, f"list the comments of #{pull.number}", _PAGE):
            for item in page:
                yield Comment(int(item["id"]), str(item.get("body") or ""))

    async def create_comment(self, pull: PullRequest, body: str) -> Comment:
        """``POST /repos/{owner}/{repo}/issues/{index}/comments``."""
        item = await self._http.call(
            "POST",
            f"{self._repo}/issues/{pull.number}/comments",
            f"comment on #{pull.number}",
            json={"body": body},
        )
        return Comment(int(item["id"]), str(item.get("body") or ""))

    async def update_comment(self, pull: PullRequest, comment_id: int, body: str) -> Comment:
        """``PATCH /repos/{owner}/{repo}/issues/comments/{id}``."""
        item = await self._http.call(
            "PATCH",
            f"{self._repo}/issues/comments/{comment_id}",
            f"update comment {comment_id} of #{pull.number}",
            json={"body": body},
        )
        return Comment(int(item["id"]), str(item.get("body") or ""))

    async def create_pull_request(self, head: str, base: str, title: str, body: str) -> PullRequest:
        """``POST /repos/{owner}/{repo}/pulls``."""
        item = await self._http.call(
            "POST",
            f"{self._repo}/pulls",
            f"open a pull request from {head!r}",
            json={"head": head, "base": base, "title": title, "body": body},
        )
        return _pull(item)

    async def update_pull_request(self, pull: PullRequest, title: str, body: str) -> PullRequest:
        """``PATCH /repos/{owner}/{repo}/pulls/{index}``."""
        item = await self._http.call(
            "PATCH",
            f"{self._repo}/pulls/{pull.number}",
            f"update pull request #{pull.number}",
            json={"title": title, "body": body},
        )
        return _pull(item)

    async def aclose(self) -> None:
        """Close the connections."""
        await self._http.aclose()


def _state(value: str) -> CommitState:
    return CommitState(value) if value in set(CommitState) else CommitState.ERROR


def _head(item: Any) -> str:
    return str(item.get("head", {}).get("ref", ""))


def _same_repository(item: Any, path: str) -> bool:
    """Whether the pull request's head is in ``path`` (not a fork's branch of that name);
    true when the forge did not say."""
    repo = item.get("head", {}).get("repo") or {}
    full_name = repo.get("full_name")
    return full_name is None or str(full_name).lower() == path.lower()


def _pull(item: Any) -> PullRequest:
    return PullRequest(
        number=int(item["number"]),
        head=_head(item),
        base=str(item.get("base", {}).get("ref", "")),
        title=str(item.get("title") or ""),
        body=str(item.get("body") or ""),
        url=str(item.get("html_url") or ""),
    )

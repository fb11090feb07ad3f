"""GitHub's REST API (github.com and GitHub Enterprise Server): statuses, pulls, comments.

Auth is ``Authorization: Bearer <token>`` (a fine-grained or classic personal access
token, or an app installation token) with the API version pinned by
``X-GitHub-Api-Version``. A pull request's comments are its issue's comments; the open
pull request of a branch is found with ``head=<owner>:<branch>``.
"""

from __future__ import annotations

import ssl
from collections.abc import AsyncIterator
from typing import Any, Final
from urllib.parse import quote

import httpx

from trueup.forge.http import PER_PAGE, ForgeHttp
from trueup.forge.model import Comment, CommitState, CommitStatus, PullRequest, Repository

API_VERSION: Final = "2022-11-28"


class GitHub:
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
        self._http = ForgeHttp(
            repository,
            {
                "Authorization": f"Bearer {token}",
                "Accept": "application/vnd.github+json",
                "X-GitHub-Api-Version": API_VERSION,
            },
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
            found.extend(_status(sha, item) for item in page)
        return found

    async def open_pull_request(self, head: str) -> PullRequest | None:
        """``GET /repos/{owner}/{repo}/pulls?state=open&head=<owner>:<head>``."""
        owner = self.repository.path.split("/")[0]
        params = {**_PAGE, "state": "open", "head": f"{owner}:{head}"}
        async for page in self._http.pages(
            f"{self._repo}/pulls", f"find the pull request of {head!r}", params
        ):
            for item in page:
                if _head(item) == head:
                    return _pull(item)
        return None

    async def comments(self, pull: PullRequest) -> AsyncIterator[Comment]:
        """``GET /repos/{owner}/{repo}/issues/{number}/comments``, every page."""
        path = f"{self._repo}/issues/{pull.number}/comments"
        async for page in self._http.pages(path, f"list the comments of #{pull.number}", _PAGE):
            for item in page:
                yield Comment(int(item["id"]), str(item.get("body") or ""))

    async def create_comment(self, pull: PullRequest, body: str) -> Comment:
        """``POST /repos/{owner}/{repo}/issues/{number}/comments``."""
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
        """``PATCH /repos/{owner}/{repo}/pulls/{number}``."""
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


_PAGE: Final[dict[str, str | int]] = {"per_page": PER_PAGE}


def _head(item: Any) -> str:
    return str(item.get("head", {}).get("ref", ""))


def _pull(item: Any) -> PullRequest:
    return PullRequest(
        number=int(item["number"]),
        head=_head(item),
        base=str(item.get("base", {}).get("ref", "")),
        title=str(item.get("title") or ""),
        body=str(item.get("body") or ""),
        url=str(item.get("html_url") or ""),
    )


def _status(sha: str, item: Any) -> CommitStatus:
    state = str(item.get("state", ""))
    return CommitStatus(
        sha=sha,
        state=CommitState(state) if state in set(CommitState) else CommitState.ERROR,
        context=str(item.get("context") or ""),
        description=str(item.get("description") or ""),
        target_url=item.get("target_url") or None,
    )

"""GitLab's REST API (v4, gitlab.com or self-managed): statuses, merge requests, notes.

Auth is ``PRIVATE-TOKEN: <token>`` (a personal, group or project access token). A project
is addressed by its URL-encoded full path (``group%2Fsub%2Fproject``), so no lookup of
its numeric id is needed. GitLab's words are mapped to trueup's: a merge request's
``iid`` is its number, ``source_branch``/``target_branch`` its head and base,
``description`` its body, a note a comment; commit status ``failure`` is posted as
``failed`` (GitLab has no ``error`` either: it becomes ``failed`` too), and the status's
``name`` carries the context.
"""

from __future__ import annotations

import ssl
from collections.abc import AsyncIterator
from typing import Any, Final
from urllib.parse import quote

import httpx

from trueup.forge.http import PER_PAGE, ForgeHttp
from trueup.forge.model import (
    Comment,
    CommitState,
    CommitStatus,
    PullRequest,
    Repository,
    comment_of,
)

_STATE_OUT: Final = {
    CommitState.PENDING: "pending",
    CommitState.SUCCESS: "success",
    CommitState.FAILURE: "failed",
    CommitState.ERROR: "failed",
}
_STATE_IN: Final = {
    "pending": CommitState.PENDING,
    "created": CommitState.PENDING,
    "running": CommitState.PENDING,
    "success": CommitState.SUCCESS,
    "failed": CommitState.FAILURE,
}
_PAGE: Final[dict[str, str | int]] = {"per_page": PER_PAGE}


class GitLab:
    """:class:`~trueup.forge.client.Forge` for one GitLab project (``group/…/project``)."""

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
            {"PRIVATE-TOKEN": token},
            token=token,
            timeout=timeout,
            verify=verify,
            transport=transport,
        )
        self._project = "projects/" + quote(repository.path, safe="")

    @property
    def repository(self) -> Repository:
        """The project every call is about."""
        return self._http.repository

    async def post_status(self, status: CommitStatus) -> None:
        """``POST /projects/{id}/statuses/{sha}``."""
        body: dict[str, str] = {
            "state": _STATE_OUT[status.state],
            "name": status.context,
            "description": status.description,
        }
        if status.target_url:
            body["target_url"] = status.target_url
        await self._http.call(
            "POST",
            f"{self._project}/statuses/{quote(status.sha, safe='')}",
            f"post the status of {status.sha[:12]}",
            json=body,
        )

    async def statuses(self, sha: str) -> list[CommitStatus]:
        """``GET /projects/{id}/repository/commits/{sha}/statuses``, newest first, every page."""
        found: list[CommitStatus] = []
        path = f"{self._project}/repository/commits/{quote(sha, safe='')}/statuses"
        params = {**_PAGE, "sort": "desc", "order_by": "id"}
        async for page in self._http.pages(path, f"list the statuses of {sha[:12]}", params):
            found.extend(
                CommitStatus(
                    sha=sha,
                    state=_STATE_IN.get(str(item.get("status", "")), CommitState.ERROR),
                    context=str(item.get("name") or ""),
                    description=str(item.get("description") or ""),
                    target_url=item.get("target_url") or None,
                )
                for item in page
            )
        return found

    async def open_pull_request(self, head: str) -> PullRequest | None:
        """``GET /projects/{id}/merge_requests?state=opened&source_branch=<head>``."""
        params = {**_PAGE, "state": "opened", "source_branch": head}
        async for page in self._http.pages(
            f"{self._project}/merge_requests", f"find the merge request of {head!r}", params
        ):
            for item in page:
                if item.get("source_branch") == head:
                    return _merge_request(item)
        return None

    async def closed_pull_requests(self, head: str) -> AsyncIterator[PullRequest]:
        """``GET /projects/{id}/merge_requests?state=closed&source_branch=<head>``: GitLab's
        ``closed`` is closed without a merge (``merged`` is a state of its own)."""
        params = {
            **_PAGE,
            "state": "closed",
            "source_branch": head,
            "order_by": "updated_at",
            "sort": "desc",
        }
        async for page in self._http.pages(
            f"{self._project}/merge_requests",
            f"list the closed merge requests of {head!r}",
            params,
        ):
            for item in page:
                if item.get("source_branch") == head and item.get("state") == "closed":
                    yield _merge_request(item)

    async def comments(self, pull: PullRequest) -> AsyncIterator[Comment]:
        """``GET /projects/{id}/merge_requests/{iid}/notes``, oldest first, every page;
        system notes (``added 1 commit``) are skipped."""
        path = f"{self._project}/merge_requests/{pull.number}/notes"
        params = {**_PAGE, "sort": "asc", "order_by": "created_at"}
        async for page in self._http.pages(path, f"list the notes of !{pull.number}", params):
            for item in page:
                if not item.get("system"):
                    yield comment_of(item)

    async def create_comment(self, pull: PullRequest, body: str) -> Comment:
        """``POST /projects/{id}/merge_requests/{iid}/notes``."""
        item = await self._http.call(
            "POST",
            f"{self._project}/merge_requests/{pull.number}/notes",
            f"comment on !{pull.number}",
            json={"body": body},
        )
        return comment_of(item)

    async def update_comment(self, pull: PullRequest, comment_id: int, body: str) -> Comment:
        """``PUT /projects/{id}/merge_requests/{iid}/notes/{note_id}``."""
        item = await self._http.call(
            "PUT",
            f"{self._project}/merge_requests/{pull.number}/notes/{comment_id}",
            f"update note {comment_id} of !{pull.number}",
            json={"body": body},
        )
        return comment_of(item)

    async def create_pull_request(self, head: str, base: str, title: str, body: str) -> PullRequest:
        """``POST /projects/{id}/merge_requests``."""
        item = await self._http.call(
            "POST",
            f"{self._project}/merge_requests",
            f"open a merge request from {head!r}",
            json={
                "source_branch": head,
                "target_branch": base,
                "title": title,
                "description": body,
            },
        )
        return _merge_request(item)

    async def update_pull_request(self, pull: PullRequest, title: str, body: str) -> PullRequest:
        """``PUT /projects/{id}/merge_requests/{iid}``."""
        item = await self._http.call(
            "PUT",
            f"{self._project}/merge_requests/{pull.number}",
            f"update merge request !{pull.number}",
            json={"title": title, "description": body},
        )
        return _merge_request(item)

    async def aclose(self) -> None:
        """Close the connections."""
        await self._http.aclose()


def _merge_request(item: Any) -> PullRequest:
    return PullRequest(
        number=int(item["iid"]),
        head=str(item.get("source_branch") or ""),
        base=str(item.get("target_branch") or ""),
        title=str(item.get("title") or ""),
        body=str(item.get("description") or ""),
        url=str(item.get("web_url") or ""),
    )

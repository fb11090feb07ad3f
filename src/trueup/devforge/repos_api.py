"""The GitHub and Gitea routes of the stub: their APIs agree on nearly every path.

Served under ``/api/v3`` (GitHub Enterprise's root) and ``/api/v1`` (Gitea's): commit
statuses, pull requests and their (issue) comments. The differences kept: GitHub pages
with ``per_page`` and filters pull requests with ``head=<owner>:<branch>``, Gitea pages
with ``limit``, cannot filter by head, and names a status's state ``status`` in answers.
"""

from __future__ import annotations

import re
from typing import Any, Final

from aiohttp import web

from trueup.devforge.calls import Call, Refused, Route, paged, route, text
from trueup.devforge.state import Note, Pull, Status

STATES: Final = frozenset({"success", "failure", "pending", "error"})
SHA: Final = re.compile(r"[0-9a-fA-F]{7,64}")
_REPO: Final = r"repos/(?P<owner>[^/]+)/(?P<name>[^/]+)"


def routes(forge: str) -> list[Route]:
    """The routes of ``forge`` (``github`` or ``gitea``), relative to its API root."""
    size = "per_page" if forge == "github" else "limit"

    async def post_status(call: Call) -> web.Response:
        sha = _sha(call)
        body = await call.body()
        state = text(body, "state", required=True)
        if state not in STATES:
            raise Refused(422, f"Validation Failed: state must be one of {sorted(STATES)}")
        context = text(body, "context") or "default"
        status = call.state.add_status(
            forge,
            call.repo,
            sha,
            state=state,
            context=context,
            description=text(body, "description"),
            target_url=text(body, "target_url"),
        )
        call.line = f"status {forge} {call.repo} {sha} {context}: {state}"
        return web.json_response(_status(forge, status), status=201)

    async def list_statuses(call: Call) -> web.Response:
        sha = _sha(call)
        call.line = f"list statuses {forge} {call.repo} {sha}"
        statuses = [_status(forge, s) for s in call.state.statuses(forge, call.repo, sha)]
        return paged(call, statuses, size, 30)

    async def list_pulls(call: Call) -> web.Response:
        wanted = call.request.query.get("state", "open")
        pulls = call.state.pulls_in(forge, call.repo, wanted)
        head = call.request.query.get("head") if forge == "github" else None
        if head:
            owner, _, branch = head.rpartition(":")
            same_owner = not owner or owner.lower() == call.repo.split("/")[0].lower()
            pulls = [p for p in pulls if same_owner and p.head == branch]
        call.line = f"list pulls {forge} {call.repo} ({wanted})"
        return paged(call, [_pull(call, p) for p in pulls], size, 30)

    async def create_pull(call: Call) -> web.Response:
        body = await call.body()
        head, base = text(body, "head", required=True), text(body, "base", required=True)
        head = head.rpartition(":")[2]
        try:
            pull = call.state.open_pull(
                forge, call.repo, head, base, text(body, "title", required=True), text(body, "body")
            )
        except ValueError as e:
            raise Refused(422 if forge == "github" else 409, str(e)) from e
        call.line = f"pull {forge} {call.repo} #{pull.number} opened: {head} -> {base}"
        return web.json_response(_pull(call, pull), status=201)

    async def edit_pull(call: Call) -> web.Response:
        number = call.number("number")
        body = await call.body()
        changes: dict[str, Any] = {k: text(body, k) for k in ("title", "body") if k in body}
        if "state" in body:
            changes["open"] = text(body, "state") != "closed"
        pull = call.state.edit_pull(forge, call.repo, number, **changes)
        if pull is None:
            raise Refused(404, "Not Found")
        call.line = f"pull {forge} {call.repo} #{number} updated"
        return web.json_response(_pull(call, pull))

    async def list_comments(call: Call) -> web.Response:
        number = _existing_pull(call, forge)
        call.line = f"list comments {forge} {call.repo} #{number}"
        notes = [_comment(n) for n in call.state.notes(forge, call.repo, number)]
        return paged(call, notes, size, 30)

    async def create_comment(call: Call) -> web.Response:
        number = _existing_pull(call, forge)
        body = text(await call.body(), "body", required=True)
        note = call.state.add_note(forge, call.repo, number, body)
        call.line = f"comment {forge} {call.repo} #{number} created {note.id}"
        return web.json_response(_comment(note), status=201)

    async def edit_comment(call: Call) -> web.Response:
        note_id = call.number("id")
        body = text(await call.body(), "body", required=True)
        note = call.state.edit_note(forge, call.repo, note_id, body)
        if note is None:
            raise Refused(404, "Not Found")
        call.line = f"comment {forge} {call.repo} #{note.pull} updated {note_id}"
        return web.json_response(_comment(note))

    return [
        route("POST", rf"{_REPO}/statuses/(?P<sha>[^/]+)", post_status),
        route("GET", rf"{_REPO}/statuses/(?P<sha>[^/]+)", list_statuses),
        route("GET", rf"{_REPO}/commits/(?P<sha>[^/]+)/statuses", list_statuses),
        route("GET", rf"{_REPO}/pulls", list_pulls),
        route("POST", rf"{_REPO}/pulls", create_pull),
        route("PATCH", rf"{_REPO}/pulls/(?P<number>[^/]+)", edit_pull),
        route("GET", rf"{_REPO}/issues/(?P<number>[^/]+)/comments", list_comments),
        route("POST", rf"{_REPO}/issues/(?P<number>[^/]+)/comments", create_comment),
        route("PATCH", rf"{_REPO}/issues/comments/(?P<id>[^/]+)", edit_comment),
    ]


def _sha(call: Call) -> str:
    sha = call.parts["sha"]
    if not SHA.fullmatch(sha):
        raise Refused(422, f"No commit found for SHA: {sha[:64]}")
    return sha


def _existing_pull(call: Call, forge: str) -> int:
    number = call.number("number")
    if number not in call.state.repo(forge, call.repo).pulls:
        raise Refused(404, "Not Found")
    return number


def _status(forge: str, status: Status) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": status.id,
        "state": status.state,
        "context": status.context,
        "description": status.description,
        "target_url": status.target_url or None,
        "created_at": status.created_at,
    }
    if forge == "gitea":
        data["status"] = status.state
    return data


def _pull(call: Call, pull: Pull) -> dict[str, Any]:
    site = f"{call.request.scheme}://{call.request.host}"
    merged_at = "2026-01-01T00:00:00Z" if pull.merged else None
    return {
        "number": pull.number,
        "state": "open" if pull.open else "closed",
        "merged": pull.merged,
        "merged_at": merged_at,
        "title": pull.title,
        "body": pull.body,
        "head": {"ref": pull.head, "repo": {"full_name": call.repo}},
        "base": {"ref": pull.base, "repo": {"full_name": call.repo}},
        "html_url": f"{site}/{call.repo}/pull/{pull.number}",
    }


def _comment(note: Note) -> dict[str, Any]:
    return {"id": note.id, "body": note.body, "created_at": note.created_at}

"""The GitLab routes of the stub, under ``/api/v4``: commit statuses, merge requests, notes.

A project is named by its URL-encoded path (``group%2Fproject``); a numeric id is refused
with 404, since the stub has no ids to look up. States are GitLab's (``failed``, not
``failure``); the status's label is ``name`` (``context`` is accepted too, as GitLab does).
"""

from __future__ import annotations

from typing import Any, Final

from aiohttp import web

from trueup.devforge.calls import Call, Refused, Route, paged, route, text
from trueup.devforge.repos_api import SHA
from trueup.devforge.state import Note, Pull, Status

STATES: Final = frozenset({"pending", "running", "success", "failed", "canceled"})
_PROJECT: Final = r"projects/(?P<project>[^/]+)"
FORGE: Final = "gitlab"


def routes() -> list[Route]:
    """GitLab's routes, relative to ``/api/v4``."""
    return [
        route("POST", rf"{_PROJECT}/statuses/(?P<sha>[^/]+)", _post_status),
        route("GET", rf"{_PROJECT}/repository/commits/(?P<sha>[^/]+)/statuses", _list_statuses),
        route("GET", rf"{_PROJECT}/merge_requests", _list_merge_requests),
        route("POST", rf"{_PROJECT}/merge_requests", _create_merge_request),
        route("PUT", rf"{_PROJECT}/merge_requests/(?P<iid>[^/]+)", _edit_merge_request),
        route("GET", rf"{_PROJECT}/merge_requests/(?P<iid>[^/]+)/notes", _list_notes),
        route("POST", rf"{_PROJECT}/merge_requests/(?P<iid>[^/]+)/notes", _create_note),
        route("PUT", rf"{_PROJECT}/merge_requests/(?P<iid>[^/]+)/notes/(?P<id>[^/]+)", _edit_note),
    ]


async def _post_status(call: Call) -> web.Response:
    sha = _sha(call)
    body = await call.body()
    state = text(body, "state", required=True)
    if state not in STATES:
        raise Refused(400, f"state does not have a valid value: {state[:20]}")
    name = text(body, "name") or text(body, "context") or "default"
    status = call.state.add_status(
        FORGE,
        call.repo,
        sha,
        state=state,
        context=name,
        description=text(body, "description"),
        target_url=text(body, "target_url"),
    )
    call.line = f"status gitlab {call.repo} {sha} {name}: {state}"
    return web.json_response(_status(status), status=201)


async def _list_statuses(call: Call) -> web.Response:
    sha = _sha(call)
    call.line = f"list statuses gitlab {call.repo} {sha}"
    statuses = call.state.statuses(FORGE, call.repo, sha)
    if call.request.query.get("sort", "asc") == "asc":  # GitLab lists oldest first unless told
        statuses.reverse()
    return paged(call, [_status(s) for s in statuses], "per_page", 20)


async def _list_merge_requests(call: Call) -> web.Response:
    query = call.request.query
    # GitLab's "closed" means closed without a merge; "merged" is a state of its own.
    wanted = {"opened": "open", "closed": "unmerged", "merged": "merged"}
    pulls = call.state.pulls_in(FORGE, call.repo, wanted.get(query.get("state", "all"), "all"))
    if "source_branch" in query:
        pulls = [p for p in pulls if p.head == query["source_branch"]]
    call.line = f"list merge requests gitlab {call.repo} ({query.get('state', 'all')})"
    return paged(call, [_merge_request(call, p) for p in pulls], "per_page", 20)


async def _create_merge_request(call: Call) -> web.Response:
    body = await call.body()
    head = text(body, "source_branch", required=True)
    base = text(body, "target_branch", required=True)
    title = text(body, "title", required=True)
    try:
        pull = call.state.open_pull(FORGE, call.repo, head, base, title, text(body, "description"))
    except ValueError as e:
        raise Refused(
            409, f"Another open merge request already exists for this source branch: {e}"
        ) from e
    call.line = f"merge request gitlab {call.repo} !{pull.number} opened: {head} -> {base}"
    return web.json_response(_merge_request(call, pull), status=201)


async def _edit_merge_request(call: Call) -> web.Response:
    iid = call.number("iid")
    body = await call.body()
    changes: dict[str, Any] = {}
    if "title" in body:
        changes["title"] = text(body, "title")
    if "description" in body:
        changes["body"] = text(body, "description")
    if "state_event" in body:
        changes["open"] = text(body, "state_event") != "close"
    pull = call.state.edit_pull(FORGE, call.repo, iid, **changes)
    if pull is None:
        raise Refused(404, "404 Not found")
    call.line = f"merge request gitlab {call.repo} !{iid} updated"
    return web.json_response(_merge_request(call, pull))


async def _list_notes(call: Call) -> web.Response:
    iid = _existing(call)
    notes = call.state.notes(FORGE, call.repo, iid)
    if call.request.query.get("sort", "desc") == "desc":
        notes.reverse()
    call.line = f"list notes gitlab {call.repo} !{iid}"
    return paged(call, [_note(n) for n in notes], "per_page", 20)


async def _create_note(call: Call) -> web.Response:
    iid = _existing(call)
    note = call.state.add_note(
        FORGE, call.repo, iid, text(await call.body(), "body", required=True)
    )
    call.line = f"note gitlab {call.repo} !{iid} created {note.id}"
    return web.json_response(_note(note), status=201)


async def _edit_note(call: Call) -> web.Response:
    iid = _existing(call)
    note_id = call.number("id")
    body = text(await call.body(), "body", required=True)
    existing = call.state.repo(FORGE, call.repo).notes.get(note_id)
    if existing is None or existing.pull != iid:
        raise Refused(404, "404 Not found")
    note = call.state.edit_note(FORGE, call.repo, note_id, body)
    assert note is not None
    call.line = f"note gitlab {call.repo} !{iid} updated {note_id}"
    return web.json_response(_note(note))


def _sha(call: Call) -> str:
    sha = call.parts["sha"]
    if not SHA.fullmatch(sha):
        raise Refused(404, "404 Commit Not Found")
    return sha


def _existing(call: Call) -> int:
    iid = call.number("iid")
    if iid not in call.state.repo(FORGE, call.repo).pulls:
        raise Refused(404, "404 Not found")
    return iid


def _status(status: Status) -> dict[str, Any]:
    return {
        "id": status.id,
        "sha": status.sha,
        "status": status.state,
        "name": status.context,
        "description": status.description,
        "target_url": status.target_url or None,
        "created_at": status.created_at,
    }


def _merge_request(call: Call, pull: Pull) -> dict[str, Any]:
    site = f"{call.request.scheme}://{call.request.host}"
    return {
        "iid": pull.number,
        "state": "opened" if pull.open else "merged" if pull.merged else "closed",
        "title": pull.title,
        "description": pull.body,
        "source_branch": pull.head,
        "target_branch": pull.base,
        "web_url": f"{site}/{call.repo}/-/merge_requests/{pull.number}",
    }


def _note(note: Note) -> dict[str, Any]:
    return {"id": note.id, "body": note.body, "system": False, "created_at": note.created_at}

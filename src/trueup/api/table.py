"""Every route of the API, once: method, path, role, parameters, body and answer.

:mod:`trueup.api.server` registers a handler for each row (by its ``operation``) and
:mod:`trueup.api.openapi` writes the document from the same rows, so a route cannot be
served without being described, nor described without being served.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from trueup.api.images import ImageList
from trueup.api.models import (
    AppDetail,
    AppDiff,
    AppList,
    AppTree,
    EventList,
    HistoryList,
    KubeEventList,
    Refreshing,
    Resumed,
    RollbackRequest,
    SourceList,
    Suspended,
    SuspendRequest,
    SyncRequest,
)


class Access(StrEnum):
    """Who may call a route."""

    PUBLIC = "public"
    """Anyone who reaches the listener (the OpenAPI document holds no data)."""
    VIEWER = "viewer"
    """Any valid token (viewer or operator)."""
    OPERATOR = "operator"
    """An operator's token."""


@dataclass(frozen=True, slots=True)
class Param:
    """A path or query parameter: its name, where it goes, its JSON type and meaning."""

    name: str
    where: str
    """``path`` or ``query``."""
    type: str
    description: str
    minimum: int | None = None
    maximum: int | None = None


@dataclass(frozen=True, slots=True)
class Route:
    """One operation of the API."""

    method: str
    path: str
    """The path with ``{name}`` placeholders, as aiohttp and OpenAPI both write it."""
    operation: str
    """The handler's name and the OpenAPI ``operationId``."""
    access: Access
    summary: str
    answer: Any
    """The model of a 200 (or ``status``) answer; None for a stream."""
    params: tuple[Param, ...] = ()
    body: type[Any] | None = None
    status: int = 200
    media_type: str = "application/json"


APP = Param("name", "path", "string", "The App's name.")
LIMIT = Param("limit", "query", "integer", "At most this many items.", minimum=1, maximum=1000)
PAGE = (
    Param("name", "query", "string", "Only Apps whose name matches this glob pattern."),
    Param("status", "query", "string", "Only Apps in this sync status (Synced, OutOfSync, …)."),
    Param("source", "query", "string", "Only Apps of the GitSource with this name."),
    Param("label", "query", "string", "Only Apps with this label, written key=value."),
    LIMIT,
    Param("continue", "query", "string", "The token of the next page from the last answer."),
)

ROUTES: tuple[Route, ...] = (
    Route("GET", "/api/openapi.json", "openapi", Access.PUBLIC, "This document.", dict[str, Any]),
    Route("GET", "/api/apps", "list_apps", Access.VIEWER, "Apps with their status.", AppList,
          PAGE),
    Route("GET", "/api/apps/{name}", "get_app", Access.VIEWER,
          "One App: status, spec, objects with health and sync, inventory.", AppDetail, (APP,)),
    Route("GET", "/api/apps/{name}/tree", "app_tree", Access.VIEWER,
          "The App's objects and what they own, with health.", AppTree, (APP,)),
    Route("GET", "/api/apps/{name}/diff", "app_diff", Access.VIEWER,
          "What a sync would change now (server dry-run; Secret values masked).", AppDiff,
          (APP,)),
    Route("GET", "/api/apps/{name}/history", "app_history", Access.VIEWER,
          "The App's attempts, newest first.", HistoryList, (APP, LIMIT)),
    Route("GET", "/api/apps/{name}/events", "app_events", Access.VIEWER,
          "The App's stored events, newest first.", EventList,
          (APP, LIMIT, Param("after", "query", "integer", "Only events after this id."))),
    Route("GET", "/api/apps/{name}/kube-events", "app_kube_events", Access.VIEWER,
          "The Kubernetes Events (core/v1) of the App's objects and what they own, "
          "newest first.", KubeEventList,
          (APP, LIMIT, Param("object", "query", "string",
                             "Only this object's events, written Kind/namespace/name."))),
    Route("GET", "/api/events", "event_stream", Access.VIEWER,
          "Server-sent events, live; Last-Event-ID resumes after that event.", None,
          (Param("app", "query", "string", "Only this App's events."),),
          media_type="text/event-stream"),
    Route("GET", "/api/images", "list_images", Access.VIEWER,
          "The ImageRepositories: tag count, newest tags, last scan, error.", ImageList),
    Route("GET", "/api/sources", "list_sources", Access.VIEWER,
          "The GitSources of the caller's Apps: revision, last fetch, error.", SourceList),
    Route("POST", "/api/apps/{name}/sync", "sync_app", Access.OPERATOR,
          "Sync the App now, as trueup sync does (objects: only those, as sync --object); "
          "the answer is trueup sync -o json.",
          dict[str, Any], (APP,), body=SyncRequest),
    Route("POST", "/api/apps/{name}/suspend", "suspend_app", Access.OPERATOR,
          "Stop reconciling the App until it is resumed.", Suspended, (APP,),
          body=SuspendRequest),
    Route("POST", "/api/apps/{name}/resume", "resume_app", Access.OPERATOR,
          "Let the App follow Git again: lifts a suspension and a rollback's pin.", Resumed,
          (APP,)),
    Route("POST", "/api/apps/{name}/rollback", "rollback_app", Access.OPERATOR,
          "Roll the App back to a revision it applied (revert false: pin it there until "
          "resumed; the answer has the sync's report as trueup sync -o json).",
          dict[str, Any], (APP,), body=RollbackRequest),
    Route("POST", "/api/sources/{namespace}/{name}/refresh", "refresh_source",
          Access.OPERATOR, "Poll the GitSource now (namespace '-' for none).", Refreshing,
          (Param("namespace", "path", "string", "The GitSource's namespace, '-' for none."),
           Param("name", "path", "string", "The GitSource's name.")),
          status=202),
)  # fmt: skip
"""The API, one row per operation."""

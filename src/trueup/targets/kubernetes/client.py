"""The Kubernetes target: the engine's :class:`~trueup.targets.base.Target` over the API server.

It talks like a controller, not like a script: one long-lived pool of HTTP/1.1 keep-alive
connections reused for every request (see :mod:`.http1`), at most ``concurrency`` in flight,
objects kept as plain dicts decoded with orjson, and per-kind LIST with pagination. Each
request is written from header lines prepared once per target, with a bearer token fetched
per request only when it can change (a token file, an exec plugin; refreshed once on a 401):
a start-up of 1,000 apps sends some 8,000 requests, and an HTTP library's request and response
objects cost more CPU per request than the exchange itself.
Temporary failures (429, 5xx, timeouts) are retried with jittered backoff; the rest raise
at once. Apply is server-side apply as field manager ``trueup``.

A ``write_guard`` is called before every request that may change the cluster (every verb
but GET, dry runs excepted), each retry included; what it raises refuses the request and
is raised to the caller at once, unretried. ``trueup serve`` guards its targets with its
leader election, so that a process that lost leadership stops writing before anything else.
"""

from __future__ import annotations

import asyncio
import dataclasses
import re
import time
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import quote, urlsplit

import httpx
import orjson

from trueup import __version__
from trueup.errors import (
    ConfigError,
    ObjectInvalidError,
    ObjectNotFoundError,
    TargetUnavailableError,
)
from trueup.objects import FIELD_MANAGER, Object, ObjectId, object_id
from trueup.targets.base import (
    Applied,
    FieldValidation,
    ObjectList,
    ResourceInfo,
    WatchEvent,
    WatchEventType,
)
from trueup.targets.kubernetes.connection import ClusterConnection
from trueup.targets.kubernetes.crd import crd_problem, crd_served_kinds
from trueup.targets.kubernetes.discovery import RestMapper
from trueup.targets.kubernetes.errors import (
    error_from_response,
    error_from_status,
    error_from_transport,
)
from trueup.targets.kubernetes.fieldpath import without_fields
from trueup.targets.kubernetes.http1 import (
    Answer,
    HttpxWire,
    Timeouts,
    Wire,
    header_fields,
    origin_of,
)
from trueup.targets.kubernetes.kubeconfig import load_kubeconfig
from trueup.targets.kubernetes.paths import collection_path, object_path
from trueup.targets.kubernetes.warnings import warnings_of
from trueup.targets.retry import Backoff, Sleep, with_retries

APPLY_PATCH = "application/apply-patch+yaml"
"""The content type of a server-side apply; JSON is valid YAML, so the body is JSON."""

_CRD = ObjectId("apiextensions.k8s.io", "CustomResourceDefinition", "", "")

_SAFE = re.compile(r"[A-Za-z0-9_.~-]*")
"""A query value made of these characters needs no percent-encoding."""

_MAX_DROP_ROUNDS = 8
"""Sends of one apply at most when unknown fields are dropped (the server may name some
of them per answer)."""


class KubernetesTarget:
    """A Kubernetes API server as a trueup target; close it with :meth:`aclose`."""

    def __init__(
        self,
        connection: ClusterConnection,
        *,
        concurrency: int = 32,
        timeout: float = 30.0,
        backoff: Backoff | None = None,
        page_size: int = 500,
        field_manager: str = FIELD_MANAGER,
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Sleep = asyncio.sleep,
        clock: Callable[[], float] = time.monotonic,
        write_guard: Callable[[], None] | None = None,
        on_response: Callable[[str, int], None] | None = None,
    ) -> None:
        """``transport`` replaces the network (tests); ``sleep``/``clock`` replace time.

        ``write_guard`` is called before every write and refuses it by raising (see the
        module docstring). ``on_response`` hears of every answer the server sent: the
        request's method and the status code (the daemon counts them in its metrics).
        """
        self.connection = connection
        self._write_guard = write_guard
        self._on_response = on_response
        self._timeout = timeout
        self._backoff = backoff or Backoff()
        self._page_size = page_size
        self._field_manager = field_manager
        self._sleep = sleep
        self._clock = clock
        self._slots = asyncio.Semaphore(concurrency)
        # Watches hold a connection each under HTTP/1.1; the semaphore bounds the rest.
        self._wire: Wire = (
            HttpxWire(transport)
            if transport is not None
            else connection.transport(keepalive=concurrency)
        )
        self._origin = origin_of(connection.server, connection.tls_server_name)
        server = urlsplit(connection.server)
        self._prefix = server.path.rstrip("/")
        self._timeouts: Timeouts = {
            "connect": min(timeout, 10.0),
            "read": timeout,
            "write": timeout,
        }
        fixed = connection.fixed_headers()
        # A token that can change (a file, an exec plugin) is fetched per request; the
        # rest of the head is the same for every request and is encoded once.
        self._tokens = None if fixed is not None else connection.token_source()
        impersonate = (
            {"Impersonate-User": connection.impersonate_user} if connection.impersonate_user else {}
        )
        self._headers = {
            "Host": server.netloc.rpartition("@")[2],
            "Accept": "application/json",
            "Accept-Encoding": "gzip",
            "User-Agent": f"trueup/{__version__}",
            **(fixed if fixed is not None else impersonate),
        }
        self._fields: dict[tuple[str | None, str | None], bytes] = {}
        self.mapper = RestMapper(self._fetch_json, clock=clock)
        """The cached kind table; ``mapper.invalidate()`` after installing CRDs out of band."""

    @property
    def identity(self) -> str:
        """``context@server`` (the server alone in-cluster), recorded with every attempt."""
        connection = self.connection
        return (
            f"{connection.context}@{connection.server}" if connection.context else connection.server
        )

    @property
    def default_namespace(self) -> str:
        """The namespace used for namespaced objects that name none (the context's)."""
        return self.connection.namespace

    async def __aenter__(self) -> KubernetesTarget:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close every connection."""
        await self._wire.aclose()

    async def resolve(self, api_version: str, kind: str) -> ResourceInfo | None:
        """How ``kind`` in ``api_version`` is served, or None; re-discovers on a miss."""
        return await self.mapper.resolve(api_version, kind)

    async def list(
        self,
        resource: ResourceInfo,
        namespace: str | None = None,
        label_selector: str | None = None,
    ) -> ObjectList:
        """Every object of ``resource``, read in pages of ``page_size``."""
        params = {"limit": str(self._page_size)}
        if label_selector:
            params["labelSelector"] = label_selector
        path = collection_path(resource, namespace)
        found = ObjectList()
        while True:
            page = _decode(await self._send("GET", path, params=params))
            for item in page.get("items") or []:
                # List items of built-in kinds come without apiVersion and kind.
                if "kind" not in item or "apiVersion" not in item:
                    item = {"apiVersion": resource.api_version, "kind": resource.kind, **item}
                found.append(item)
            metadata = page.get("metadata") or {}
            found.resource_version = str(metadata.get("resourceVersion") or "")
            if not metadata.get("continue"):
                return found
            params["continue"] = metadata["continue"]

    async def get(self, ref: Object | ObjectId) -> Object | None:
        """The live object, or None if it, its namespace or its kind does not exist."""
        located = await self._locate(ref)
        if located is None:
            return None
        path, oid = located
        response = await self._send_or_none("GET", path, object_id=str(oid))
        return None if response is None else _decode(response)

    async def apply(
        self,
        obj: Object,
        *,
        dry_run: bool,
        force: bool = True,
        field_validation: FieldValidation = FieldValidation.STRICT,
    ) -> Applied:
        """Server-side apply ``obj``; with ``dry_run`` the server stores nothing.

        ``field_validation`` is sent as the ``fieldValidation`` parameter; the server's
        ``Warning`` headers come back as the result's ``warnings``. The API server refuses
        a field the schema does not declare in every apply, whatever the parameter says;
        under ``Warn`` and ``Ignore`` trueup drops the fields it names and sends the rest
        (``Warn`` adds ``unknown field "spec.x"`` to the warnings), as kubectl's own
        validation does.
        """
        located = await self._locate(obj)
        if located is None:
            oid = object_id(obj)
            raise ObjectNotFoundError(
                f"{oid}: the cluster serves no kind {oid.kind} in {obj.get('apiVersion')!r}; "
                "apply its CustomResourceDefinition first, or fix apiVersion and kind",
                reason="UnknownKind",
                object_id=str(oid),
            )
        path, oid = located
        params = {"fieldManager": self._field_manager, "fieldValidation": field_validation.value}
        if force:
            params["force"] = "true"
        if dry_run:
            params["dryRun"] = "All"
        dropped: list[str] = []
        for _ in range(_MAX_DROP_ROUNDS):
            try:
                response = await self._send(
                    "PATCH",
                    path,
                    object_id=str(oid),
                    params=params,
                    content=orjson.dumps(obj),
                    content_type=APPLY_PATCH,
                    dry_run=dry_run,
                )
            except ObjectInvalidError as error:
                relaxed = field_validation is not FieldValidation.STRICT
                smaller = without_fields(obj, error.undeclared_fields) if relaxed else None
                if not error.undeclared_fields or smaller is None:
                    raise
                obj = smaller
                dropped.extend(field.removeprefix(".") for field in error.undeclared_fields)
                continue
            warned = [f'unknown field "{field}"' for field in dropped]
            if field_validation is not FieldValidation.WARN:
                warned = []
            return Applied(_decode(response), (*warned, *warnings_of(response)))
        raise ObjectInvalidError(
            f"{oid}: still refused after dropping {len(dropped)} unknown fields "
            f"({', '.join(dropped)}); fix the manifest",
            reason="Invalid",
            object_id=str(oid),
        )

    async def patch(self, ref: Object | ObjectId, operations: Sequence[Object]) -> Object:
        """Send a JSON patch (RFC 6902) to the object as field manager ``trueup``."""
        located = await self._locate(ref)
        if located is None:
            oid = ref if isinstance(ref, ObjectId) else object_id(ref)
            raise ObjectNotFoundError(
                f"{oid}: its kind is not served", reason="NotFound", object_id=str(oid)
            )
        path, oid = located
        response = await self._send(
            "PATCH",
            path,
            object_id=str(oid),
            params={"fieldManager": self._field_manager},
            content=orjson.dumps(operations),
            content_type="application/json-patch+json",
        )
        return _decode(response)

    async def kinds(self) -> tuple[ResourceInfo, ...]:
        """Every kind the cluster serves, in its preferred version (from discovery)."""
        return tuple(await self.mapper.resources())

    async def capabilities(self) -> tuple[str, tuple[str, ...]]:
        """The server's Kubernetes version (``v1.33.1``) and every API it serves, as Helm's
        ``.Capabilities`` names them: each ``group/version`` and ``group/version/Kind``."""
        version = await self._fetch_json("/version", "application/json")
        served = await self.mapper.served()
        names = {info.api_version for info in served}
        names |= {f"{info.api_version}/{info.kind}" for info in served}
        return str(version.get("gitVersion") or ""), tuple(sorted(names))

    async def delete(
        self, ref: Object | ObjectId, *, uid: str | None = None, dry_run: bool = False
    ) -> bool:
        """Delete with background propagation; False if already gone (or its kind is)."""
        located = await self._locate(ref)
        if located is None:
            return False
        path, oid = located
        options: dict[str, Any] = {
            "apiVersion": "v1",
            "kind": "DeleteOptions",
            "propagationPolicy": "Background",
        }
        if uid:
            options["preconditions"] = {"uid": uid}
        if dry_run:
            options["dryRun"] = ["All"]
        response = await self._send_or_none(
            "DELETE",
            path,
            object_id=str(oid),
            content=orjson.dumps(options),
            content_type="application/json",
            dry_run=dry_run,
        )
        return response is not None

    async def replace(self, obj: Object) -> Object:
        """POST ``obj`` when it has no ``metadata.resourceVersion``, else PUT it at that version.

        The API server refuses both with 409 when the condition fails (the object exists;
        it changed since), raised as :class:`~trueup.errors.ObjectConflictError`.
        """
        oid = object_id(obj)
        info = await self.mapper.resolve(str(obj.get("apiVersion") or ""), oid.kind)
        if info is None:
            raise ObjectNotFoundError(
                f"{oid}: the cluster serves no kind {oid.kind} in {obj.get('apiVersion')!r}",
                reason="UnknownKind",
                object_id=str(oid),
            )
        namespace = (oid.namespace or self.default_namespace) if info.namespaced else None
        if (obj.get("metadata") or {}).get("resourceVersion"):
            method, path = "PUT", object_path(info, namespace, oid.name, str(oid))
        else:
            method, path = "POST", collection_path(info, namespace, str(oid))
        response = await self._send(
            method,
            path,
            object_id=str(oid),
            params={"fieldManager": self._field_manager},
            content=orjson.dumps(obj),
            content_type="application/json",
        )
        return _decode(response)

    async def watch(
        self,
        resource: ResourceInfo,
        namespace: str | None = None,
        *,
        resource_version: str | None = None,
        label_selector: str | None = None,
        timeout_seconds: int = 300,
    ) -> AsyncGenerator[WatchEvent, None]:
        """Stream changes of ``resource`` until the server ends the watch after the timeout.

        Not retried here: on a normal end, call again from the last event's
        ``resource_version``; on :class:`~trueup.errors.WatchExpiredError` (HTTP 410 or an
        ERROR event with code 410) list again first. Bookmarks are requested, so quiet
        watches still advance their version.
        """
        params = {"watch": "true", "timeoutSeconds": str(timeout_seconds)}
        params["allowWatchBookmarks"] = "true"
        if resource_version:
            params["resourceVersion"] = resource_version
        if label_selector:
            params["labelSelector"] = label_selector
        path = collection_path(resource, namespace)
        timeouts = {**self._timeouts, "read": timeout_seconds + self._timeout}
        try:
            async with self._stream(self._target(path, params), timeouts) as (answer, body):
                if not answer.is_success:
                    content = b"".join([chunk async for chunk in body])
                    raise error_from_response(dataclasses.replace(answer, content=content))
                async for line in _lines(body):
                    if not line.strip():
                        continue
                    event = orjson.loads(line)
                    kind, obj = event.get("type"), event.get("object") or {}
                    if kind == "ERROR":
                        raise error_from_status(int(obj.get("code") or 500), obj, subject=path)
                    if kind in WatchEventType.__members__:
                        yield WatchEvent(WatchEventType(kind), obj)
        except httpx.TransportError as error:
            raise error_from_transport(error, self.connection.server) from error

    async def wait_established(
        self,
        crd_name: str,
        *,
        # Measured on the injectable clock (not asyncio.timeout) so tests need not sleep.
        timeout: float = 60.0,  # noqa: ASYNC109
        poll_interval: float = 0.25,
    ) -> None:
        """Wait until the CRD is established and discovery serves its kinds.

        Raises :class:`~trueup.errors.ObjectConflictError` if its names were refused and
        :class:`~trueup.errors.TargetUnavailableError` when ``timeout`` passes first.
        """
        oid = ObjectId(_CRD.group, _CRD.kind, "", crd_name)
        deadline = self._clock() + timeout
        while True:
            crd = await self.get(oid)
            if crd is not None:
                problem = crd_problem(crd)
                if problem is not None:
                    raise problem
                if await self._serves_all(crd):
                    return
            if self._clock() >= deadline:
                state = "does not exist" if crd is None else "is not established"
                raise TargetUnavailableError(
                    f"{oid}: {state} after {timeout:g}s; check the API server and the CRD status"
                )
            await self._sleep(poll_interval)

    async def _serves_all(self, crd: Object) -> bool:
        kinds = crd_served_kinds(crd)
        if not kinds:
            return False
        self.mapper.invalidate()
        for api_version, kind in kinds:
            if await self.mapper.resolve(api_version, kind) is None:
                return False
        return True

    async def _locate(self, ref: Object | ObjectId) -> tuple[str, ObjectId] | None:
        """The object's URL path and id, or None if its kind is not served."""
        if isinstance(ref, ObjectId):
            oid = ref
            info = await self.mapper.resolve_group_kind(oid.group, oid.kind)
        else:
            oid = object_id(ref)
            info = await self.mapper.resolve(str(ref.get("apiVersion") or ""), oid.kind)
        if info is None:
            return None
        namespace = (oid.namespace or self.default_namespace) if info.namespaced else None
        return object_path(info, namespace, oid.name, str(oid)), oid

    async def _fetch_json(self, path: str, accept: str) -> Object:
        return _decode(await self._send("GET", path, accept=accept))

    async def _send(self, method: str, path: str, **request: Any) -> Answer:
        """One request, retried on temporary errors; every failure raises."""
        response = await self._request(method, path, missing_ok=False, **request)
        assert response is not None  # only missing_ok requests answer None
        return response

    async def _send_or_none(self, method: str, path: str, **request: Any) -> Answer | None:
        """Like :meth:`_send`, but None when the server answers 404."""
        return await self._request(method, path, missing_ok=True, **request)

    async def _request(
        self,
        method: str,
        path: str,
        *,
        missing_ok: bool,
        object_id: str = "",
        params: dict[str, str] | None = None,
        content: bytes | None = None,
        content_type: str | None = None,
        accept: str | None = None,
        dry_run: bool = False,
    ) -> Answer | None:
        guard = None if method == "GET" or dry_run else self._write_guard
        target = self._target(path, params)
        fields = self._head_fields(content_type, accept)
        body = content or b""

        async def attempt() -> Answer | None:
            async with self._slots:
                if guard is not None:
                    # Checked last before sending: waiting for a slot may have taken long.
                    try:
                        guard()
                    except Exception as refusal:
                        raise _WriteRefusedError(refusal) from refusal
                try:
                    response = await self._exchange(method, target, fields, body)
                except httpx.TransportError as error:
                    raise error_from_transport(error, self.connection.server) from error
            if response.is_success:
                return response
            if missing_ok and response.status_code == 404:
                return None
            raise error_from_response(response, object_id)

        try:
            return await with_retries(attempt, self._backoff, sleep=self._sleep)
        except _WriteRefusedError as refused:
            raise refused.error from None

    async def _exchange(self, method: str, target: str, fields: bytes, body: bytes) -> Answer:
        """Send one request and read its answer; with a changing token, once more on a 401."""
        tokens = self._tokens
        if tokens is None:
            answer = await self._wire.exchange(
                self._origin, method, target, fields, body, self._timeouts
            )
            self._heard(answer)
            return answer
        token = await tokens.token()
        answer = await self._wire.exchange(
            self._origin, method, target, fields + _bearer(token), body, self._timeouts
        )
        self._heard(answer)
        if answer.status_code == 401:
            token = await tokens.token(rejected=token)
            answer = await self._wire.exchange(
                self._origin, method, target, fields + _bearer(token), body, self._timeouts
            )
            self._heard(answer)
        return answer

    @asynccontextmanager
    async def _stream(
        self, target: str, timeouts: Timeouts
    ) -> AsyncIterator[tuple[Answer, AsyncIterator[bytes]]]:
        """GET ``target`` and stream its answer; with a changing token, again on a 401."""
        fields = self._head_fields(None, None)
        tokens = self._tokens
        if tokens is None:
            async with self._wire.stream(self._origin, "GET", target, fields, timeouts) as got:
                yield got
            return
        token = await tokens.token()
        async with self._wire.stream(
            self._origin, "GET", target, fields + _bearer(token), timeouts
        ) as got:
            if got[0].status_code != 401:
                yield got
                return
        token = await tokens.token(rejected=token)
        async with self._wire.stream(
            self._origin, "GET", target, fields + _bearer(token), timeouts
        ) as got:
            yield got

    def _heard(self, answer: Answer) -> None:
        if self._on_response is not None:
            self._on_response(answer.method, answer.status_code)

    def _target(self, path: str, params: dict[str, str] | None) -> str:
        """The request target: the server's path prefix, ``path`` and the query."""
        if not params:
            return self._prefix + path
        return f"{self._prefix}{path}?{_query(params)}"

    def _head_fields(self, content_type: str | None, accept: str | None) -> bytes:
        """The header lines of a request, encoded once per content type and Accept."""
        key = (content_type, accept)
        fields = self._fields.get(key)
        if fields is None:
            headers = dict(self._headers)
            if accept:
                headers["Accept"] = accept
            if content_type:
                headers["Content-Type"] = content_type
            fields = self._fields[key] = header_fields(headers)
        return fields

    @classmethod
    def from_kubeconfig(
        cls,
        paths: str | None = None,
        *,
        context: str | None = None,
        allow_exec: bool = False,
        **options: Any,
    ) -> KubernetesTarget:
        """A target for ``context`` of the kubeconfig (``$KUBECONFIG`` when ``paths`` is None)."""
        connection = load_kubeconfig(paths, context=context, allow_exec=allow_exec)
        return cls(connection, **options)


class _WriteRefusedError(Exception):
    """The write guard's refusal, carried past the retries (it may be a TemporaryError)."""

    def __init__(self, error: Exception) -> None:
        super().__init__(str(error))
        self.error = error


def _decode(response: Answer) -> Object:
    try:
        decoded = orjson.loads(response.content)
    except orjson.JSONDecodeError:
        decoded = None
    if not isinstance(decoded, dict):
        raise TargetUnavailableError(
            f"{response.method} {response.path}: the API server answered "
            "with something other than a JSON object"
        )
    return decoded


def _query(params: dict[str, str]) -> str:
    """``params`` as a query string; the common values (names, numbers) are sent as they are."""
    return "&".join(
        f"{name}={value}" if _SAFE.fullmatch(value) else f"{name}={quote(value, safe='')}"
        for name, value in params.items()
    )


def _bearer(token: str) -> bytes:
    """The ``Authorization`` header line for ``token`` (none for an empty token)."""
    if not token:
        return b""
    if "\r" in token or "\n" in token:
        raise ConfigError("the API token holds a line break; check where the kubeconfig gets it")
    return f"Authorization: Bearer {token}\r\n".encode("latin-1")


async def _lines(chunks: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
    """The lines of a streamed body (a watch sends one JSON event per line)."""
    pending: list[bytes] = []
    async for chunk in chunks:
        if b"\n" not in chunk:
            pending.append(chunk)
            continue
        first, *lines = chunk.split(b"\n")
        pending.append(first)
        yield b"".join(pending)
        pending = [lines.pop()]
        for line in lines:
            yield line
    if any(pending):
        yield b"".join(pending)

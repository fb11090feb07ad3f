"""The Kubernetes target: the engine's :class:`~trueup.targets.base.Target` over the API server.

It talks like a controller, not like a script: one long-lived HTTP client reused for every
request (HTTP/1.1 keep-alive connections, see :mod:`.http1`), at most ``concurrency`` in flight,
objects kept as plain dicts decoded with orjson, and per-kind LIST with pagination.
Temporary failures (429, 5xx, timeouts) are retried with jittered backoff; the rest raise
at once. Apply is server-side apply as field manager ``trueup``.

A ``write_guard`` is called before every request that may change the cluster (every verb
but GET, dry runs excepted), each retry included; what it raises refuses the request and
is raised to the caller at once, unretried. ``trueup serve`` guards its targets with its
leader election, so that a process that lost leadership stops writing before anything else.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncGenerator, Callable, Sequence
from typing import Any
from urllib.parse import urlencode

import httpx
import orjson

from trueup import __version__
from trueup.errors import ObjectInvalidError, ObjectNotFoundError, TargetUnavailableError
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
from trueup.targets.kubernetes.kubeconfig import load_kubeconfig
from trueup.targets.kubernetes.paths import collection_path, object_path
from trueup.targets.kubernetes.warnings import warnings_of
from trueup.targets.retry import Backoff, Sleep, with_retries

APPLY_PATCH = "application/apply-patch+yaml"
"""The content type of a server-side apply; JSON is valid YAML, so the body is JSON."""

_CRD = ObjectId("apiextensions.k8s.io", "CustomResourceDefinition", "", "")

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
        self._extensions = (
            {"sni_hostname": connection.tls_server_name} if connection.tls_server_name else {}
        )
        # Watches hold a connection each under HTTP/1.1; the semaphore bounds the rest.
        fixed = connection.fixed_headers()
        self._base = connection.server.rstrip("/")
        self._timeouts = httpx.Timeout(timeout, connect=min(timeout, 10.0))
        self._transport = transport or connection.transport(keepalive=concurrency)
        self._client = httpx.AsyncClient(
            base_url=connection.server,
            auth=None if fixed is not None else connection.auth(),
            headers={
                "Accept": "application/json",
                "User-Agent": f"trueup/{__version__}",
                **(fixed or {}),
            },
            timeout=self._timeouts,
            transport=self._transport,
            trust_env=False,
        )
        # With fixed auth headers nothing of the client's per-request work applies (auth
        # flow, cookies, redirects: the API server sends none), so requests go straight to
        # the transport; that halves what httpx costs per request.
        self._direct = fixed is not None
        # Requests are built here, whole, rather than by the client's merging of base URL,
        # params and headers: per request that merging cost more than the rest of httpx.
        self._headers = dict(self._client.headers)
        self._request_extensions = {**self._extensions, "timeout": self._timeouts.as_dict()}
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
        await self._client.aclose()

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
                    headers={"Content-Type": APPLY_PATCH},
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
            headers={"Content-Type": "application/json-patch+json"},
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
            headers={"Content-Type": "application/json"},
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
            headers={"Content-Type": "application/json"},
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
        timeout = httpx.Timeout(self._timeout, read=timeout_seconds + self._timeout)
        try:
            async with self._client.stream(
                "GET", path, params=params, timeout=timeout, extensions=self._extensions
            ) as response:
                if not response.is_success:
                    await response.aread()
                    raise error_from_response(response)
                async for line in response.aiter_lines():
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
        return _decode(await self._send("GET", path, headers={"Accept": accept}))

    async def _send(self, method: str, path: str, **request: Any) -> httpx.Response:
        """One request, retried on temporary errors; every failure raises."""
        response = await self._request(method, path, missing_ok=False, **request)
        assert response is not None  # only missing_ok requests answer None
        return response

    async def _send_or_none(self, method: str, path: str, **request: Any) -> httpx.Response | None:
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
        headers: dict[str, str] | None = None,
        dry_run: bool = False,
    ) -> httpx.Response | None:
        guard = None if method == "GET" or dry_run else self._write_guard
        url = self._base + path
        if params:
            url += "?" + urlencode(params)
        request = httpx.Request(
            method,
            url,
            headers=(
                {**self._headers, **{name.lower(): value for name, value in headers.items()}}
                if headers
                else self._headers
            ),
            content=content,
            extensions=self._request_extensions,
        )

        async def attempt() -> httpx.Response | None:
            async with self._slots:
                if guard is not None:
                    # Checked last before sending: waiting for a slot may have taken long.
                    try:
                        guard()
                    except Exception as refusal:
                        raise _WriteRefusedError(refusal) from refusal
                try:
                    response = await self._exchange(request)
                except httpx.TransportError as error:
                    raise error_from_transport(error, self.connection.server) from error
            if self._on_response is not None:
                self._on_response(method, response.status_code)
            if response.is_success:
                return response
            if missing_ok and response.status_code == 404:
                return None
            raise error_from_response(response, object_id)

        try:
            return await with_retries(attempt, self._backoff, sleep=self._sleep)
        except _WriteRefusedError as refused:
            raise refused.error from None

    async def _exchange(self, request: httpx.Request) -> httpx.Response:
        """Send ``request`` and read the whole answer."""
        if not self._direct:
            return await self._client.send(request)
        response = await self._transport.handle_async_request(request)
        response.request = request
        try:
            await response.aread()
        finally:
            await response.aclose()
        return response

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


def _decode(response: httpx.Response) -> Object:
    try:
        decoded = orjson.loads(response.content)
    except orjson.JSONDecodeError:
        decoded = None
    if not isinstance(decoded, dict):
        raise TargetUnavailableError(
            f"{response.request.method} {response.request.url.path}: the API server answered "
            "with something other than a JSON object"
        )
    return decoded

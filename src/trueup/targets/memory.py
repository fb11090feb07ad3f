"""An in-memory :class:`~trueup.targets.base.Target` for fast, deterministic engine tests.

It behaves like an API server where the engine can tell: apply creates or merges
(see :mod:`trueup.targets.memory_merge`), a dry run returns the result without storing
it, a no-op apply leaves ``resourceVersion`` alone, namespaced objects need their
namespace, immutable fields refuse changes, a CRD makes its kinds servable, deleting a
namespace deletes its objects, fields declared unknown are refused, warned about or dropped
as ``fieldValidation`` asks, and watches stream every change. Tests may seed objects
(:meth:`MemoryTarget.put`), play a controller (:meth:`MemoryTarget.set_status`), inject
failures (:meth:`MemoryTarget.fail`) and read what was asked (:attr:`MemoryTarget.calls`).

What it must do is pinned by the target contract (``tests/unit/targets/contract.py``),
which a KubernetesTarget on the dev-cluster passes too; it does no more than that contract
and the tests built on it need.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson

from trueup.errors import (
    ObjectConflictError,
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
from trueup.targets.builtin_kinds import BUILTIN_RESOURCES, IMMUTABLE_FIELDS, PRESENT_NAMESPACES
from trueup.targets.labels import parse_selector
from trueup.targets.memory_merge import (
    Path,
    apply_config,
    changed_immutable,
    conflicts,
    get_path,
    without,
)
from trueup.targets.memory_state import MemoryState


@dataclass(frozen=True, slots=True)
class Call:
    """One request the target received: verb, object id or kind, and whether a dry run."""

    verb: str
    id: str
    dry_run: bool = False
    field_validation: str = field(default="", compare=False)
    """The ``fieldValidation`` an apply asked for ('' for other verbs); not compared."""


@dataclass(slots=True)
class _Fault:
    verb: str
    error: Exception
    id: str | None
    dry_run: bool | None
    times: int | None


_CRD = ("apiextensions.k8s.io", "CustomResourceDefinition")
_HISTORY = 1000
"""How many changes a watch can resume across (older versions are expired)."""


def _copy(obj: Object) -> Object:
    result: Object = orjson.loads(orjson.dumps(obj))
    return result


MEMORY_KUBE_VERSION = "v1.34.0"
"""The Kubernetes version a MemoryTarget reports (Helm's ``.Capabilities.KubeVersion``)."""


class MemoryTarget(MemoryState):
    """A target kept in memory; see the module docstring for what it emulates."""

    def __init__(
        self,
        *,
        identity: str = "memory",
        unknown_fields: Mapping[tuple[str, str], tuple[Path, ...]] | None = None,
    ) -> None:
        """``unknown_fields``: (group, kind) → paths of fields its schema does not declare."""
        super().__init__(BUILTIN_RESOURCES, history=_HISTORY)
        self.default_namespace = "default"
        """Where a namespaced object or id that names no namespace lives."""
        self.identity = identity
        """Which system this is, as attempts record it."""
        self.calls: list[Call] = []
        """Every request, in order."""
        self._unknown = unknown_fields or {}
        self._faults: list[_Fault] = []
        for name in PRESENT_NAMESPACES:
            self.put({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}})

    # Test helpers ------------------------------------------------------------------------

    def fail(
        self,
        verb: str,
        error: Exception,
        *,
        ref: ObjectId | str | None = None,
        dry_run: bool | None = None,
        times: int | None = 1,
    ) -> None:
        """Make the next ``times`` (None: all) ``verb`` calls on ``ref`` raise ``error``."""
        self._faults.append(_Fault(verb, error, None if ref is None else str(ref), dry_run, times))

    def put(self, obj: Object) -> Object:
        """Store ``obj`` as if another client created it (trueup owns none of its fields)."""
        info = self._info_or_raise(obj)
        key = self._key(info, object_id(obj))
        return self._store(key, _copy(obj), self._objects.get(key))

    def set_status(self, ref: ObjectId, status: dict[str, Any]) -> Object:
        """Replace the live object's status, as its controller would."""
        key = self._key_of_id(ref)
        live = self._objects.get(key) if key else None
        if key is None or live is None:
            raise ObjectNotFoundError(f"{ref}: not found", reason="NotFound", object_id=str(ref))
        return self._store(key, {**live, "status": status}, live)

    def objects(self) -> list[Object]:
        """Copies of every live object, sorted by id."""
        return [_copy(self._objects[key]) for key in sorted(self._objects)]

    # Target -----------------------------------------------------------------------------

    async def resolve(self, api_version: str, kind: str) -> ResourceInfo | None:
        """How ``kind`` in ``api_version`` is served, or None."""
        group, _, version = api_version.rpartition("/")
        return self._resources.get((group, version, kind))

    async def capabilities(self) -> tuple[str, tuple[str, ...]]:
        """A made-up Kubernetes version and every API served, as Helm names them."""
        names = {info.api_version for info in self._resources.values()}
        names |= {f"{info.api_version}/{info.kind}" for info in self._resources.values()}
        return MEMORY_KUBE_VERSION, tuple(sorted(names))

    async def kinds(self) -> tuple[ResourceInfo, ...]:
        """Every kind served (one entry per kind: the first version registered)."""
        first: dict[tuple[str, str], ResourceInfo] = {}
        for info in self._resources.values():
            first.setdefault((info.group, info.kind), info)
        return tuple(first.values())

    async def list(
        self,
        resource: ResourceInfo,
        namespace: str | None = None,
        label_selector: str | None = None,
    ) -> ObjectList:
        """Copies of the matching objects, and the current version."""
        self._check("list", resource.kind)
        selects = parse_selector(label_selector)
        found = [
            _copy(obj)
            for key, obj in sorted(self._objects.items())
            if key.group == resource.group
            and key.kind == resource.kind
            and (not namespace or not resource.namespaced or key.namespace == namespace)
            and selects((obj.get("metadata") or {}).get("labels") or {})
        ]
        return ObjectList(found, str(self._version))

    async def get(self, ref: Object | ObjectId) -> Object | None:
        """A copy of the live object, or None."""
        key = self._key_of(ref)
        self._check("get", str(key or ref))
        live = self._objects.get(key) if key else None
        return _copy(live) if live is not None else None

    async def apply(
        self,
        obj: Object,
        *,
        dry_run: bool,
        force: bool = True,
        field_validation: FieldValidation = FieldValidation.STRICT,
    ) -> Applied:
        """Create or merge ``obj``; a dry run stores nothing."""
        info = self._info_or_raise(obj)
        key = self._key(info, object_id(obj))
        self._check("apply", str(key), dry_run, field_validation.value)
        if info.namespaced and not self._namespace_exists(key.namespace):
            raise _not_found(key, f'namespaces "{key.namespace}" not found')
        obj, warnings = self._validate_fields(key, obj, field_validation)
        config = {k: v for k, v in _copy(obj).items() if k != "status"}
        config["metadata"] = {**config.get("metadata", {}), "name": key.name}
        if info.namespaced:
            config["metadata"]["namespace"] = key.namespace
        live = self._objects.get(key)
        previous = self._applied.get(key)
        if live is None:
            result = config
        else:
            self._check_update(key, live, previous, config, force)
            result = apply_config(live, previous, config)
        result = self._with_manager(result, str(obj.get("apiVersion")))
        if dry_run:
            return Applied(_copy(self._stamped(key, result, live, advance=False)), warnings)
        stored = self._store(key, result, live)
        self._applied[key] = config
        return Applied(_copy(stored), warnings)

    async def delete(
        self, ref: Object | ObjectId, *, uid: str | None = None, dry_run: bool = False
    ) -> bool:
        """Delete the object (and a namespace's or CRD's contents); False if absent."""
        key = self._key_of(ref)
        self._check("delete", str(key or ref), dry_run)
        live = self._objects.get(key) if key else None
        if key is None or live is None:
            return False
        live_uid = live["metadata"].get("uid")
        if uid and uid != live_uid:
            raise ObjectConflictError(
                f'{key}: Conflict: Operation cannot be fulfilled on {key.kind} "{key.name}": '
                f"the UID in the precondition ({uid}) does not match the UID in record "
                f"({live_uid}). The object might have been deleted and then recreated",
                reason="Conflict",
                object_id=str(key),
                status=409,
            )
        if not dry_run:
            self._remove(key)
        return True

    async def replace(self, obj: Object) -> Object:
        """Create ``obj`` (no resourceVersion) or overwrite the live object at that version."""
        info = self._info_or_raise(obj)
        key = self._key(info, object_id(obj))
        self._check("replace", str(key))
        if info.namespaced and not self._namespace_exists(key.namespace):
            raise _not_found(key, f'namespaces "{key.namespace}" not found')
        metadata = dict(obj.get("metadata") or {})
        expected = str(metadata.pop("resourceVersion", None) or "")
        live = self._objects.get(key)
        if not expected and live is not None:
            raise _conflict(key, "AlreadyExists", f'{key.kind} "{key.name}" already exists')
        if expected and live is None:
            raise _not_found(key, f'{key.kind} "{key.name}" not found')
        if live is not None and live["metadata"]["resourceVersion"] != expected:
            raise _conflict(
                key,
                "Conflict",
                f'Operation cannot be fulfilled on {key.kind} "{key.name}": the object has '
                "been modified; please apply your changes to the latest version and try again",
            )
        metadata["name"] = key.name
        if info.namespaced:
            metadata["namespace"] = key.namespace
        return _copy(self._store(key, {**_copy(obj), "metadata": metadata}, live))

    async def wait_established(
        self,
        crd_name: str,
        *,
        timeout: float = 60.0,  # noqa: ASYNC109  (nothing to wait for in memory)
    ) -> None:
        """Return at once: a stored CRD is established; raise if it does not exist."""
        oid = ObjectId(*_CRD, "", crd_name)
        self._check("wait_established", str(oid))
        if oid not in self._objects:
            raise TargetUnavailableError(
                f"{oid}: does not exist after {timeout:g}s; check the API server and the CRD status"
            )

    async def watch(
        self,
        resource: ResourceInfo,
        namespace: str | None = None,
        *,
        resource_version: str | None = None,
        label_selector: str | None = None,
        timeout_seconds: int = 300,
    ) -> AsyncGenerator[WatchEvent, None]:
        """Every change from ``resource_version`` on (or the current objects as ADDED first)."""
        self._check("watch", resource.kind)
        selects = parse_selector(label_selector)

        def wanted(key: ObjectId, obj: Object) -> bool:
            return (
                (key.group, key.kind) == (resource.group, resource.kind)
                and (not namespace or not resource.namespaced or key.namespace == namespace)
                and selects((obj.get("metadata") or {}).get("labels") or {})
            )

        queue: asyncio.Queue[tuple[int, WatchEventType, ObjectId, Object] | None]
        queue = asyncio.Queue()
        self._watchers.add(queue)
        try:
            backlog: Iterable[tuple[int, WatchEventType, ObjectId, Object]]
            if resource_version:
                backlog = self._since(int(resource_version), str(resource.kind))
            else:
                backlog = [
                    (self._version, WatchEventType.ADDED, key, obj)
                    for key, obj in sorted(self._objects.items())
                ]
            for _, kind, key, obj in list(backlog):
                if wanted(key, obj):
                    yield WatchEvent(kind, _copy(obj))
            loop = asyncio.get_running_loop()
            deadline = loop.time() + timeout_seconds
            while True:
                try:
                    item = await asyncio.wait_for(queue.get(), max(0.0, deadline - loop.time()))
                except TimeoutError:
                    return
                if item is None:
                    return
                _, kind, key, obj = item
                if wanted(key, obj):
                    yield WatchEvent(kind, _copy(obj))
        finally:
            self._watchers.discard(queue)

    async def aclose(self) -> None:
        """End every watch."""
        self.close_watches()

    # Internals --------------------------------------------------------------------------

    def _check(self, verb: str, what: str, dry_run: bool = False, validation: str = "") -> None:
        self.calls.append(Call(verb, what, dry_run, validation))
        for fault in self._faults:
            if (
                fault.verb == verb
                and fault.id in (None, what)
                and fault.dry_run in (None, dry_run)
                and fault.times != 0
            ):
                if fault.times is not None:
                    fault.times -= 1
                raise fault.error

    def _validate_fields(
        self, key: ObjectId, obj: Object, validation: FieldValidation
    ) -> tuple[Object, tuple[str, ...]]:
        """``obj`` without its unknown fields and a warning for each, or the Strict refusal."""
        found = [
            path
            for path in self._unknown.get((key.group, key.kind), ())
            if get_path(obj, path) is not None
        ]
        if not found:
            return obj, ()
        names = [".".join(path) for path in found]
        if validation is FieldValidation.STRICT:
            # As the API server words it for a server-side apply.
            raise ObjectInvalidError(
                f"{key}: "
                + "; ".join(f"{name}: field not declared in schema" for name in names)
                + "; fix the manifest",
                object_id=str(key),
                status=500,
                undeclared_fields=tuple(f".{name}" for name in names),
            )
        warned = validation is FieldValidation.WARN
        return without(obj, found), tuple(f'unknown field "{name}"' for name in names if warned)

    def _check_update(
        self, key: ObjectId, live: Object, previous: Object | None, config: Object, force: bool
    ) -> None:
        frozen = changed_immutable(live, config, IMMUTABLE_FIELDS.get((key.group, key.kind), ()))
        if frozen:
            raise ObjectInvalidError(
                f'{key}: Invalid: {key.group_kind} "{key.name}" is invalid: '
                + ", ".join(f"{field}: Invalid value: field is immutable" for field in frozen),
                reason="Invalid",
                object_id=str(key),
                status=422,
                immutable=True,
            )
        clashes = [] if force else conflicts(live, previous, config)
        if clashes:
            raise ObjectConflictError(
                f"{key}: Conflict: Apply failed with {len(clashes)} conflicts: "
                + ", ".join(clashes),
                reason="Conflict",
                object_id=str(key),
                status=409,
            )

    def _with_manager(self, obj: Object, api_version: str) -> Object:
        # Enough managedFields for normalisation code to meet; no fieldsV1 tree.
        managers = list((obj.get("metadata") or {}).get("managedFields") or [])
        if not any(m.get("manager") == FIELD_MANAGER for m in managers):
            managers.append(
                {
                    "manager": FIELD_MANAGER,
                    "operation": "Apply",
                    "apiVersion": api_version,
                    "fieldsType": "FieldsV1",
                }
            )
        return {**obj, "metadata": {**obj["metadata"], "managedFields": managers}}

    def _info_or_raise(self, obj: Object) -> ResourceInfo:
        group, _, version = str(obj.get("apiVersion") or "").rpartition("/")
        info = self._resources.get((group, version, str(obj.get("kind") or "")))
        if info is None:
            oid = object_id(obj)
            raise ObjectNotFoundError(
                f"{oid}: the cluster serves no kind {oid.kind} in {obj.get('apiVersion')!r}; "
                "apply its CustomResourceDefinition first, or fix apiVersion and kind",
                reason="UnknownKind",
                object_id=str(oid),
            )
        if not object_id(obj).name:
            raise ObjectInvalidError(
                f"{object_id(obj)}: Invalid: metadata.name is required",
                reason="Invalid",
                object_id=str(object_id(obj)),
                status=422,
            )
        return info

    def _key(self, info: ResourceInfo, oid: ObjectId) -> ObjectId:
        namespace = (oid.namespace or self.default_namespace) if info.namespaced else ""
        return ObjectId(info.group, info.kind, namespace, oid.name)

    def _key_of(self, ref: Object | ObjectId) -> ObjectId | None:
        if isinstance(ref, ObjectId):
            return self._key_of_id(ref)
        group, _, version = str(ref.get("apiVersion") or "").rpartition("/")
        info = self._resources.get((group, version, str(ref.get("kind") or "")))
        return self._key(info, object_id(ref)) if info else None

    def _key_of_id(self, ref: ObjectId) -> ObjectId | None:
        info = next(
            (i for i in self._resources.values() if (i.group, i.kind) == (ref.group, ref.kind)),
            None,
        )
        return self._key(info, ref) if info else None


def _not_found(key: ObjectId, message: str) -> ObjectNotFoundError:
    return ObjectNotFoundError(
        f"{key}: NotFound: {message}", reason="NotFound", object_id=str(key), status=404
    )


def _conflict(key: ObjectId, reason: str, message: str) -> ObjectConflictError:
    return ObjectConflictError(
        f"{key}: {reason}: {message}", reason=reason, object_id=str(key), status=409
    )

"""The interface the engine uses to read and change a target, whatever the target is.

Objects are plain dicts (:data:`~trueup.objects.Object`) in and out. Every method is a
coroutine and safe to call concurrently; implementations bound their own concurrency.
Failures are raised as :class:`~trueup.errors.TargetError` subclasses (permanent: the
request was refused) or :class:`~trueup.errors.TargetUnavailableError` (temporary: retry).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Protocol

from trueup.objects import Object, ObjectId


@dataclass(frozen=True, slots=True)
class ResourceInfo:
    """How the target serves one kind in one version: its plural name and its scope."""

    group: str
    version: str
    kind: str
    plural: str
    namespaced: bool

    @property
    def api_version(self) -> str:
        """``group/version``, or just ``version`` for the core group."""
        return f"{self.group}/{self.version}" if self.group else self.version


class ObjectList(list[Object]):
    """The objects a list call returned, and the version of the collection they were read at.

    ``resource_version`` is where a watch continues without missing a change ('' if the
    target has no such notion).
    """

    def __init__(self, items: list[Object] | None = None, resource_version: str = "") -> None:
        super().__init__(items or [])
        self.resource_version = resource_version


class FieldValidation(StrEnum):
    """What the target does with a field the object's schema does not declare (or a duplicate).

    The values are the Kubernetes ``fieldValidation`` parameter's; ``Strict`` is what
    ``kubectl`` asks for by default.
    """

    STRICT = "Strict"
    """Refuse the object, naming the field."""
    WARN = "Warn"
    """Drop the field and say so in :attr:`Applied.warnings`."""
    IGNORE = "Ignore"
    """Drop the field silently."""


class Applied(dict[str, Any]):
    """An object as the target returned it from an apply, and the warnings that came with it.

    ``warnings`` are the target's messages for people (Kubernetes ``Warning`` headers: an
    unknown field dropped under ``Warn`` validation, a deprecated API version), in order.
    """

    def __init__(self, obj: Object, warnings: Iterable[str] = ()) -> None:
        super().__init__(obj)
        self.warnings = tuple(warnings)


class WatchEventType(StrEnum):
    """What a watch event reports about its object."""

    ADDED = "ADDED"
    MODIFIED = "MODIFIED"
    DELETED = "DELETED"
    BOOKMARK = "BOOKMARK"
    """No change; only ``metadata.resourceVersion`` is set, to resume a watch from."""


@dataclass(frozen=True, slots=True)
class WatchEvent:
    """One change seen by a watch: its type and the object after (or, if deleted, before) it."""

    type: WatchEventType
    object: Object

    @property
    def resource_version(self) -> str:
        """The version to resume a watch from after this event."""
        return str((self.object.get("metadata") or {}).get("resourceVersion") or "")


class Target(Protocol):
    """What the engine needs from a target: resolve kinds, read, apply, delete and watch."""

    @property
    def identity(self) -> str:
        """Which system this is, recorded with every attempt (``context@server`` for Kubernetes).

        An App's inventory belongs to the target it was applied to; another identity is
        another system.
        """
        ...

    async def resolve(self, api_version: str, kind: str) -> ResourceInfo | None:
        """How ``kind`` in ``api_version`` is served, or None if the target does not serve it.

        A miss re-reads the target's list of kinds (a CRD may have just been created).
        """
        ...

    async def list(
        self,
        resource: ResourceInfo,
        namespace: str | None = None,
        label_selector: str | None = None,
    ) -> ObjectList:
        """Every object of ``resource`` (in ``namespace``, or all namespaces when None).

        ``label_selector`` uses the Kubernetes syntax (``a=b,c!=d,e``).
        """
        ...

    async def get(self, ref: Object | ObjectId) -> Object | None:
        """The live object named by ``ref``, or None if it (or its kind) does not exist.

        An object is read in its own ``apiVersion``; an id in the target's preferred version.
        """
        ...

    async def apply(
        self,
        obj: Object,
        *,
        dry_run: bool,
        force: bool = True,
        field_validation: FieldValidation = FieldValidation.STRICT,
    ) -> Applied:
        """Server-side apply ``obj`` as field manager ``trueup`` and return the result.

        ``dry_run`` returns what the object would become without storing it. ``force``
        takes over fields other managers own instead of failing with a conflict.
        ``field_validation`` says whether an undeclared field refuses the object
        (:class:`~trueup.errors.ObjectInvalidError` naming it), is dropped with a warning,
        or is dropped silently.
        """
        ...

    async def delete(
        self, ref: Object | ObjectId, *, uid: str | None = None, dry_run: bool = False
    ) -> bool:
        """Delete the object in the background; False if it was already gone.

        With ``uid``, delete only that incarnation: a re-created object with a new uid is
        left alone and :class:`~trueup.errors.ObjectConflictError` is raised.
        """
        ...

    async def replace(self, obj: Object) -> Object:
        """Write ``obj`` whole if the live object is still as it was read; return what is stored.

        A compare-and-swap for state trueup keeps on the target (a leader election's Lease),
        not for manifests. ``metadata.resourceVersion`` is the condition: empty creates the
        object, which must not exist yet; otherwise the live object must still have that
        version. When the condition fails nothing is written and
        :class:`~trueup.errors.ObjectConflictError` is raised, so of two writers racing from
        one version exactly one wins. An object deleted since it was read raises
        :class:`~trueup.errors.ObjectNotFoundError`, except for kinds the Kubernetes API
        server creates on update (a Lease): those are created again.
        """
        ...

    async def wait_established(
        self,
        crd_name: str,
        *,
        timeout: float = 60.0,  # noqa: ASYNC109  (measured on the target's own clock)
    ) -> None:
        """Wait until the CustomResourceDefinition ``crd_name`` is established and served.

        Afterwards :meth:`resolve` finds its kinds. Raises
        :class:`~trueup.errors.ObjectConflictError` if its names were refused and
        :class:`~trueup.errors.TargetUnavailableError` when ``timeout`` passes first.
        """
        ...

    def watch(
        self,
        resource: ResourceInfo,
        namespace: str | None = None,
        *,
        resource_version: str | None = None,
        label_selector: str | None = None,
        timeout_seconds: int = 300,
    ) -> AsyncIterator[WatchEvent]:
        """Changes to objects of ``resource``, until ``timeout_seconds`` pass.

        Without ``resource_version``, every existing object is first reported as ADDED.
        The iterator ends normally on timeout: call again from the last event's
        ``resource_version``. :class:`~trueup.errors.WatchExpiredError` means that version
        is too old: list again and watch from the list's ``resource_version``.
        """
        ...

    async def aclose(self) -> None:
        """Release connections; the target is unusable afterwards."""
        ...

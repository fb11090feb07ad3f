"""From YAML documents to checked objects: ``List`` flattening, validation, duplicates, budgets."""

from __future__ import annotations

from collections.abc import Iterator
from types import MappingProxyType
from typing import Any

from trueup.errors import RenderError
from trueup.objects import Object, ObjectId, Origin, object_id
from trueup.render.options import Rendered, RenderLimits
from trueup.render.yamlload import Document, load_documents


class Collector:
    """Accumulates the objects of one render and enforces the render-wide limits."""

    def __init__(self, limits: RenderLimits) -> None:
        self._limits = limits
        self._objects: list[Object] = []
        self._origins: dict[ObjectId, Origin] = {}
        self._bytes = 0
        self._reads: set[str] = set()

    def depends_on(self, path: str) -> None:
        """Note that the render reads ``path`` (repository-relative) and all it holds."""
        self._reads.add(path)

    def charge_bytes(self, size: int, shown: str) -> None:
        """Count ``size`` bytes read for ``shown`` against the render's total."""
        self._bytes += size
        if self._bytes > self._limits.max_total_bytes:
            raise RenderError(
                f"{shown}: manifests exceed {self._limits.max_total_bytes} bytes in total; "
                "render a smaller path"
            )

    @property
    def bytes_left(self) -> int:
        """How many more bytes this render may read."""
        return max(0, self._limits.max_total_bytes - self._bytes)

    def add_yaml(self, data: bytes, name: str, origin: Origin | None = None) -> None:
        """Parse ``data`` (read from ``name``) and add its objects.

        Each object's origin is ``name`` and the line it starts on, unless ``origin`` is
        given (kustomize output is attributed to its kustomization directory).
        """
        objects_left = self._limits.max_objects - len(self._objects)
        for doc in load_documents(data, name, self._limits, objects_left):
            for obj, line in _flatten(doc, name):
                where = Origin(name, line)
                self._add(_checked(obj, str(where)), str(where), origin or where)

    def result(self) -> Rendered:
        """The objects collected so far, in the order they were found."""
        return Rendered(
            tuple(self._objects), MappingProxyType(dict(self._origins)), frozenset(self._reads)
        )

    def _add(self, obj: Object, where: str, origin: Origin) -> None:
        if len(self._objects) >= self._limits.max_objects:
            raise RenderError(
                f"{where}: more than {self._limits.max_objects} objects in one render; "
                "split the app into smaller ones"
            )
        oid = object_id(obj)
        first = self._origins.get(oid)
        if first is not None:
            raise RenderError(
                f"{origin}: {oid} is declared twice, at {first} and at {origin}; "
                "remove or rename one of them"
            )
        self._origins[oid] = origin
        self._objects.append(obj)


def _is_list(value: Any) -> bool:
    # kubectl treats any document with a kind and an ``items`` key as a list of objects.
    return isinstance(value, dict) and bool(value.get("kind")) and "items" in value


def _flatten(doc: Document, name: str) -> Iterator[tuple[Any, int]]:
    if not _is_list(doc.data):
        yield doc.data, doc.line
        return
    items = doc.data["items"]
    if items is None:
        return
    if not isinstance(items, list):
        raise RenderError(f"{name}:{doc.line}: items of a {doc.data['kind']} must be a list")
    for index, item in enumerate(items):
        line = doc.item_lines[index] if index < len(doc.item_lines) else doc.line
        if isinstance(item, dict) and "items" in item:
            raise RenderError(
                f"{name}:{line}: a list inside a list, which kubectl refuses; "
                "move its items up into the outer list"
            )
        yield item, line


def _checked(value: Any, where: str) -> Object:
    needs = "every manifest needs apiVersion, kind and metadata.name"
    if not isinstance(value, dict):
        raise RenderError(f"{where}: expected a mapping, found {type(value).__name__}; {needs}")
    for field in ("apiVersion", "kind"):
        if not isinstance(value.get(field), str) or not value[field]:
            raise RenderError(f"{where}: {field} is missing or not a string; {needs}")
    metadata = value.get("metadata")
    if not isinstance(metadata, dict):
        raise RenderError(f"{where}: metadata is missing or not a mapping; {needs}")
    name = metadata.get("name")
    if not isinstance(name, str) or not name:
        raise RenderError(f"{where}: metadata.name is missing or not a string; {needs}")
    namespace = metadata.get("namespace")
    if namespace is not None and not isinstance(namespace, str):
        raise RenderError(f"{where}: metadata.namespace must be a string")
    return value

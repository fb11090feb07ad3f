"""Limits checked on libyaml's event stream, before anything is built from it.

``Guard`` passes parser events through and counts nesting depth, aliases, alias-expanded
size (the billion-laughs defence) and candidate objects on the fly, so a bomb stops after
a few hundred events instead of after expansion.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from yaml.events import (
    AliasEvent,
    CollectionEndEvent,
    CollectionStartEvent,
    DocumentStartEvent,
    Event,
    MappingStartEvent,
    ScalarEvent,
    SequenceStartEvent,
)

from trueup.kubeyaml.problem import ManifestSyntaxError


@dataclass(frozen=True, slots=True)
class Limits:
    """Bounds on one stream of manifests."""

    max_depth: int = 100
    """Nesting of collections within one document (aliases expanded)."""
    max_aliases: int = 100
    """Aliases (``*name``) within one document."""
    max_document_nodes: int = 1_000_000
    """Nodes of one document with every alias expanded."""
    max_objects: int = 10_000
    """Documents plus top-level ``items`` entries: what a stream may hold."""


class ObjectBudget:
    """How many more objects a stream (or a whole render) may yield."""

    def __init__(self, limit: int, left: int | None = None) -> None:
        self.limit = limit
        self.left = limit if left is None else left

    def take(self, line: int) -> None:
        """Count one object starting at ``line``; ManifestSyntaxError when none is left."""
        self.left -= 1
        if self.left < 0:
            raise ManifestSyntaxError(
                line, f"more than {self.limit} objects in one render", "split the app"
            )


class _Frame:
    __slots__ = ("anchor", "expecting_key", "is_items", "is_mapping", "last_key_is_items", "size")

    def __init__(self, anchor: str | None, is_mapping: bool, is_items: bool) -> None:
        self.anchor = anchor
        self.is_mapping = is_mapping
        self.is_items = is_items
        self.expecting_key = True
        self.last_key_is_items = False
        self.size = 1


class Guard:
    """Passes parser events through, raising ``ManifestSyntaxError`` when a limit is crossed."""

    def __init__(
        self, events: Iterator[Event], limits: Limits, budget: ObjectBudget, first_line: int
    ) -> None:
        self._events = events
        self._limits = limits
        self._budget = budget
        self._offset = first_line - 1
        self._stack: list[_Frame] = []
        self._anchors: dict[str, int] = {}
        self._aliases = 0

    def __iter__(self) -> Iterator[Event]:
        return self

    def __next__(self) -> Event:
        event = next(self._events)
        # Scalars come first: they are most of the events.
        if isinstance(event, ScalarEvent):
            self._node_starts(event)
            self._node_done(event, event.anchor, 1, is_items_key=event.value == "items")
        elif isinstance(event, CollectionStartEvent):
            self._collection_starts(event)
        elif isinstance(event, CollectionEndEvent):
            frame = self._stack.pop()
            self._node_done(event, frame.anchor, frame.size, is_items_key=False)
        elif isinstance(event, AliasEvent):
            self._aliases += 1
            if self._aliases > self._limits.max_aliases:
                self._fail(event, f"more than {self._limits.max_aliases} YAML aliases")
            self._node_starts(event)
            size = self._anchors.get(event.anchor or "", 1)
            self._node_done(event, None, size, is_items_key=False)
        elif isinstance(event, DocumentStartEvent):
            self._stack.clear()
            self._anchors.clear()
            self._aliases = 0
        return event

    def line(self, mark: Any) -> int:
        """The 1-based line in the whole file of a libyaml ``mark`` (or None) in this section."""
        return self._offset + (mark.line + 1 if mark is not None else 1)

    def _collection_starts(self, event: CollectionStartEvent) -> None:
        self._node_starts(event)
        depth = len(self._stack)
        if depth >= self._limits.max_depth:
            self._fail(event, f"nesting deeper than {self._limits.max_depth} levels")
        is_items = (
            depth == 1
            and isinstance(event, SequenceStartEvent)
            and self._stack[0].is_mapping
            and not self._stack[0].expecting_key
            and self._stack[0].last_key_is_items
        )
        self._stack.append(_Frame(event.anchor, isinstance(event, MappingStartEvent), is_items))

    def _node_starts(self, event: Event) -> None:
        if not self._stack:
            counts = isinstance(event, MappingStartEvent)
        else:
            # The first item of a List takes over the count of the List document itself.
            frame = self._stack[-1]
            counts = len(self._stack) == 2 and frame.is_items and frame.size > 1
        if counts:
            self._budget.take(self.line(event.start_mark))

    def _node_done(self, event: Event, anchor: str | None, size: int, is_items_key: bool) -> None:
        if anchor:
            self._anchors[anchor] = size
        if not self._stack:
            total = size
        else:
            parent = self._stack[-1]
            parent.size += size
            total = parent.size
            if parent.is_mapping:
                if parent.expecting_key:
                    parent.last_key_is_items = is_items_key and len(self._stack) == 1
                parent.expecting_key = not parent.expecting_key
        if total > self._limits.max_document_nodes:
            self._fail(
                event,
                f"more than {self._limits.max_document_nodes} YAML nodes in one document "
                "once aliases are expanded",
            )

    def _fail(self, event: Event, what: str) -> None:
        raise ManifestSyntaxError(
            self.line(event.start_mark), what, "split or simplify the manifests"
        )

"""Bounded YAML loading: libyaml's parser, with every limit checked as events arrive.

The C parser (``yaml.CSafeLoader``'s) produces events; ``_Guard`` counts nesting depth,
aliases, alias-expanded size (the billion-laughs defence) and candidate objects on the
fly, and raises as soon as a bound is crossed, so a bomb stops after a few hundred events
instead of after expansion. PyYAML's safe composer and constructor then build plain
values from the checked events, so the result matches ``yaml.safe_load`` except that
timestamps stay strings (as in Kubernetes) and duplicate mapping keys are refused.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import yaml
from yaml.composer import Composer
from yaml.constructor import ConstructorError, SafeConstructor
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
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from yaml.resolver import Resolver

from trueup.errors import RenderError
from trueup.render.options import RenderLimits

_MERGE_TAG = "tag:yaml.org,2002:merge"


@dataclass(frozen=True, slots=True)
class Document:
    """One non-empty YAML document: its first line (1-based), value, and ``items`` lines."""

    line: int
    data: Any
    item_lines: tuple[int, ...]


def load_documents(
    data: bytes, name: str, limits: RenderLimits, max_objects: int
) -> Iterator[Document]:
    """The non-empty documents of ``data``; errors name ``name:line``.

    ``max_objects`` bounds documents plus top-level ``items`` entries, so that a file of a
    million tiny objects stops at the limit instead of being built first.
    """
    guard = _Guard(yaml.parse(data, Loader=yaml.CSafeLoader), name, limits, max_objects)
    loader = _Loader(guard)
    try:
        while loader.check_node():
            node = loader.get_node()
            if node is None:
                continue
            value = loader.construct_document(node)
            if value is None:
                continue
            if guard.document_had_alias:
                value = _copy_tree(value)  # aliases share objects; callers mutate objects
            yield Document(node.start_mark.line + 1, value, _item_lines(node))
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        where = f"{name}:{mark.line + 1}" if mark is not None else name
        problem = " ".join(p for p in (e.context, e.problem) if p)
        raise RenderError(f"{where}: invalid YAML: {problem}; fix the file") from e
    except yaml.YAMLError as e:
        raise RenderError(f"{name}: invalid YAML ({type(e).__name__}); fix the file") from e


def _item_lines(node: Node) -> tuple[int, ...]:
    if not isinstance(node, MappingNode):
        return ()
    for key, value in node.value:
        if isinstance(key, ScalarNode) and key.value == "items" and isinstance(value, SequenceNode):
            return tuple(item.start_mark.line + 1 for item in value.value)
    return ()


def _copy_tree(value: Any) -> Any:
    """A copy in which no dict or list is shared (``copy.deepcopy`` would keep sharing)."""
    if isinstance(value, dict):
        return {k: _copy_tree(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy_tree(v) for v in value]
    return value


class _Frame:
    __slots__ = ("anchor", "expecting_key", "is_items", "is_mapping", "last_key_is_items", "size")

    def __init__(self, anchor: str | None, is_mapping: bool, is_items: bool) -> None:
        self.anchor = anchor
        self.is_mapping = is_mapping
        self.is_items = is_items
        self.expecting_key = True
        self.last_key_is_items = False
        self.size = 1


class _Guard:
    """Passes parser events through, raising ``RenderError`` when a limit is crossed."""

    def __init__(
        self, events: Iterator[Event], name: str, limits: RenderLimits, max_objects: int
    ) -> None:
        self._events = events
        self._name = name
        self._limits = limits
        self._max_objects = max_objects
        self._objects = 0
        self._stack: list[_Frame] = []
        self._anchors: dict[str, int] = {}
        self._aliases = 0
        self.document_had_alias = False

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
            self.document_had_alias = True
            if self._aliases > self._limits.max_aliases:
                self._fail(event, f"more than {self._limits.max_aliases} YAML aliases")
            self._node_starts(event)
            size = self._anchors.get(event.anchor or "", 1)
            self._node_done(event, None, size, is_items_key=False)
        elif isinstance(event, DocumentStartEvent):
            self._stack.clear()
            self._anchors.clear()
            self._aliases = 0
            self.document_had_alias = False
        return event

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
            self._objects += 1
            if self._objects > self._max_objects:
                self._fail(event, f"more than {self._limits.max_objects} objects in one render")

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
        line = event.start_mark.line + 1 if event.start_mark is not None else 0
        raise RenderError(f"{self._name}:{line}: {what}; split or simplify the manifests")


class _Loader(Composer, SafeConstructor, Resolver):
    """PyYAML's safe composer and constructor, fed from a ``_Guard`` instead of a parser."""

    def __init__(self, events: Iterator[Event]) -> None:
        Composer.__init__(self)
        SafeConstructor.__init__(self)
        Resolver.__init__(self)
        self._events = events
        self._next: Event | None = None

    def check_event(self, *choices: type[Event]) -> bool:
        if self._next is None:
            self._next = next(self._events, None)
        if self._next is None:
            return False
        return not choices or isinstance(self._next, choices)

    def peek_event(self) -> Event:
        self.check_event()
        assert self._next is not None
        return self._next

    def get_event(self) -> Event:
        event = self.peek_event()
        self._next = None
        return event

    def construct_mapping(self, node: MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[tuple[str, str]] = set()
        for key_node, _value in node.value:
            if isinstance(key_node, ScalarNode) and key_node.tag != _MERGE_TAG:
                key = (key_node.tag, key_node.value)
                if key in seen:
                    raise ConstructorError(
                        None, None, f"duplicate mapping key {key_node.value!r}", key_node.start_mark
                    )
                seen.add(key)
        return super().construct_mapping(node, deep=deep)


def _timestamp_as_string(loader: _Loader, node: Node) -> str:
    # Kubernetes decodes unquoted timestamps as strings; keeping them strings keeps objects JSON.
    assert isinstance(node, ScalarNode)
    return str(node.value)


_Loader.yaml_constructors = {
    **SafeConstructor.yaml_constructors,
    "tag:yaml.org,2002:timestamp": _timestamp_as_string,
}

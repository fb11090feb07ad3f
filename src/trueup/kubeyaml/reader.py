"""Reading a manifest file into JSON-ready documents, value for value as kubectl reads it.

kubectl cuts the file (see ``split``), decodes each YAML section with go-yaml v2 and turns
the result into JSON (see ``scalars``); this module does the same on libyaml's events:

- only the first document of a ``---`` section is read by kubectl, so a second one (after
  a ``...`` line) is refused rather than silently dropped;
- an anchor may be redefined (the latest wins); an alias to a node that contains it is
  refused;
- duplicate keys: the last one wins; a merge key ``<<`` writes the merged keys at its
  position, over keys written before it (go-yaml v2's order, not the YAML spec's);
- keys become JSON strings (``1`` is ``"1"``, ``on`` is ``"true"``); two different keys
  that become one string (``1`` and ``"1"``) are refused: kubectl would keep either;
- JSON files are read as JSON (see ``jsonstream``).

Every limit is checked as events arrive (``guard``).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import yaml
from yaml.events import (
    AliasEvent,
    CollectionEndEvent,
    DocumentEndEvent,
    DocumentStartEvent,
    Event,
    MappingStartEvent,
    ScalarEvent,
    SequenceStartEvent,
    StreamEndEvent,
    StreamStartEvent,
)
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from trueup.kubeyaml.document import Document
from trueup.kubeyaml.guard import Guard, Limits, ObjectBudget
from trueup.kubeyaml.jsonstream import json_documents
from trueup.kubeyaml.problem import ManifestSyntaxError
from trueup.kubeyaml.scalars import (
    MERGE,
    json_value,
    key_text,
    scalar,
)
from trueup.kubeyaml.split import Section, is_json, yaml_sections

UNQUOTED_COLON = (
    "an unquoted value inside [...] or {...} ends with ':' (as in {a: b:}); kubectl reads it "
    "as text, but trueup's YAML parser (libyaml) cannot"
)
"""The one YAML syntax go-yaml v2 accepts and libyaml refuses: trueup refuses it, saying so."""

MERGE_NEEDS_MAPS = "a merge key '<<' needs a mapping or a list of mappings"


class _LineMark:
    """Where a node starts: its 0-based line in the whole file (what errors and lines need)."""

    __slots__ = ("line",)

    def __init__(self, line: int) -> None:
        self.line = line


class PlainScalarNode(ScalarNode):
    """A scalar node that remembers whether it was written plain (unquoted, untagged)."""

    def __init__(self, tag: Any, value: str, start: Any, end: Any, plain: bool) -> None:
        super().__init__(tag, value, start, end)
        self.plain = plain


def read_documents(
    data: bytes, limits: Limits, budget: ObjectBudget | None = None
) -> Iterator[Document]:
    """The non-null documents of a manifest file; ``ManifestSyntaxError`` names the line."""
    for result in read_each(data, limits, budget):
        if isinstance(result, ManifestSyntaxError):
            raise result
        yield result


def read_each(
    data: bytes, limits: Limits, budget: ObjectBudget | None = None
) -> Iterator[Document | ManifestSyntaxError]:
    """Like ``read_documents``, but a bad ``---`` section is yielded as its error in its place.

    The sections after it are still read (they are independent, as they are for kubectl);
    a bad separator line, and any problem in a JSON file, end the file.
    """
    budget = budget or ObjectBudget(limits.max_objects)
    try:
        if is_json(data):
            yield from json_documents(data, limits, budget)
            return
        for section in yaml_sections(data):
            try:
                document = _section_document(section, limits, budget)
            except ManifestSyntaxError as e:
                yield e
                continue
            if document is not None:
                yield document
    except ManifestSyntaxError as e:
        yield e


def _section_document(section: Section, limits: Limits, budget: ObjectBudget) -> Document | None:
    guard = Guard(yaml.parse(section.data, Loader=yaml.CSafeLoader), limits, budget, section.line)
    try:
        node = _Composer(guard).first_document()
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        line = section.line + mark.line if mark is not None else section.line
        if e.problem == "found unexpected ':'" and e.context == "while scanning a plain scalar":
            raise ManifestSyntaxError(line, UNQUOTED_COLON, "quote the value") from None
        problem = " ".join(p for p in (e.context, e.problem) if p)
        raise ManifestSyntaxError(line, f"invalid YAML: {problem}", "fix the file") from None
    except yaml.YAMLError as e:
        raise ManifestSyntaxError(
            section.line, f"invalid YAML ({type(e).__name__})", "fix the file"
        ) from None
    if node is None:
        return None
    try:
        document = _Decoder(limits, guard).document(node)
    except ManifestSyntaxError as e:
        e.identity = _identity(node)
        raise
    return document if document.data is not None else None


def _identity(node: Node) -> dict[str, Any] | None:
    """``apiVersion``, ``kind`` and ``metadata`` name and namespace as written, if plain text.

    Lets a caller say which object a document that could not be read would have been.
    """
    if not isinstance(node, MappingNode):
        return None
    top = _scalar_fields(node)
    metadata = next(
        (v for k, v in node.value if isinstance(k, ScalarNode) and k.value == "metadata"), None
    )
    meta = _scalar_fields(metadata) if isinstance(metadata, MappingNode) else {}
    identity: dict[str, Any] = {k: top[k] for k in ("apiVersion", "kind") if k in top}
    identity["metadata"] = {k: meta[k] for k in ("name", "namespace") if k in meta}
    return identity


def _scalar_fields(node: MappingNode) -> dict[str, str]:
    return {
        k.value: v.value
        for k, v in node.value
        if isinstance(k, ScalarNode) and isinstance(v, ScalarNode)
    }


class _Composer:
    """Builds the node tree of a section's first document from guarded events."""

    def __init__(self, guard: Guard) -> None:
        self._guard = guard
        self._events = iter(guard)
        self._anchors: dict[str, Node] = {}
        self._open: set[int] = set()
        self._offset = guard.line(None) - 1

    def first_document(self) -> Node | None:
        event = self._next()
        if isinstance(event, StreamStartEvent):
            event = self._next()
        if isinstance(event, StreamEndEvent):
            return None
        assert isinstance(event, DocumentStartEvent)
        node = self._node(self._next())
        end = self._next()
        assert isinstance(end, DocumentEndEvent)
        try:
            after = self._next()
        except yaml.MarkedYAMLError as e:
            raise ManifestSyntaxError(
                self._guard.line(e.problem_mark or e.context_mark),
                "more content follows a '...' document end; kubectl would ignore it silently",
                "remove it, or put '---' on a line of its own before it",
            ) from None
        if isinstance(after, DocumentStartEvent):
            raise ManifestSyntaxError(
                self._guard.line(after.start_mark),
                "a second YAML document starts without a '---' line; kubectl would read only "
                "the first one and drop this one silently",
                "put '---' on a line of its own before it",
            )
        return node

    def _next(self) -> Event:
        return next(self._events)

    def _mark(self, mark: Any) -> Any:
        """A mark whose line counts from the start of the file, not of the section."""
        return _LineMark(mark.line + self._offset)

    def _node(self, event: Event) -> Node:
        if isinstance(event, AliasEvent):
            target = self._anchors.get(event.anchor or "")
            if target is None:
                raise ManifestSyntaxError(
                    self._guard.line(event.start_mark),
                    "an alias names an unknown anchor",
                    "define it first",
                )
            if id(target) in self._open:
                raise ManifestSyntaxError(
                    self._guard.line(event.start_mark),
                    "an alias refers to the node that contains it",
                    "write the values out instead",
                )
            return target
        node: Node
        if isinstance(event, ScalarEvent):
            plain = event.implicit[0] and event.tag is None
            start = self._mark(event.start_mark)
            node = PlainScalarNode(event.tag, event.value, start, None, plain)
            if event.anchor:
                self._anchors[event.anchor] = node
            return node
        if isinstance(event, SequenceStartEvent):
            node = SequenceNode(event.tag or "", [], self._mark(event.start_mark), None)
        elif isinstance(event, MappingStartEvent):
            node = MappingNode(event.tag or "", [], self._mark(event.start_mark), None)
        else:
            raise AssertionError(f"unexpected YAML event {type(event).__name__}")
        if event.anchor:
            self._anchors[event.anchor] = node
        self._open.add(id(node))
        items: list[Any] = node.value
        child = self._next()
        while not isinstance(child, CollectionEndEvent):
            if isinstance(node, MappingNode):
                key = self._node(child)
                value_event = self._next()
                value = self._node(value_event)
                # go-yaml merges a list of maps, but not through an alias to one.
                via_alias = isinstance(value_event, AliasEvent)
                if via_alias and _is_merge(key) and not isinstance(value, MappingNode):
                    line = int(key.start_mark.line) + 1
                    raise ManifestSyntaxError(line, MERGE_NEEDS_MAPS, "fix the value of '<<'")
                items.append((key, value))
            else:
                items.append(self._node(child))
            child = self._next()
        self._open.discard(id(node))
        return node


class _Decoder:
    """Turns a node tree into the JSON value kubectl would send (see the module docstring)."""

    def __init__(self, limits: Limits, guard: Guard) -> None:
        self._limits = limits
        self._guard = guard

    def document(self, node: Node) -> Document:
        data = self._value(node, 0)
        return Document(self._line(node), data, node, _item_lines(node))

    def _line(self, node: Node) -> int:
        return int(node.start_mark.line) + 1

    def _value(self, node: Node, depth: int) -> Any:
        if depth > self._limits.max_depth:
            raise ManifestSyntaxError(
                self._line(node),
                f"nesting deeper than {self._limits.max_depth} levels once aliases are expanded",
                "split or simplify the manifests",
            )
        if isinstance(node, PlainScalarNode):
            line = self._line(node)
            return json_value(scalar(node.value, node.tag, node.plain, line), line)
        if isinstance(node, SequenceNode):
            return [self._value(item, depth + 1) for item in node.value]
        assert isinstance(node, MappingNode)
        entries: dict[tuple[str, Any], tuple[Any, Node, int]] = {}
        self._fill(node, entries)
        texts: dict[str, tuple[Node, int]] = {}
        for key, value, line in entries.values():
            text = key_text(key, line)
            if text in texts:
                raise ManifestSyntaxError(
                    line,
                    f"two different keys of one mapping both mean {text[:40]!r} to kubectl, "
                    "which would keep either of them",
                    "remove one of them or quote both",
                )
            texts[text] = (value, line)
        # Values are read once the keys are known to be sound, in the file's key order.
        return {text: self._value(value, depth + 1) for text, (value, _line) in texts.items()}

    def _fill(self, node: MappingNode, entries: dict[tuple[str, Any], Any]) -> None:
        for key_node, value_node in node.value:
            if _is_merge(key_node):
                self._merge(value_node, entries)
                continue
            line = self._line(key_node)
            if not isinstance(key_node, PlainScalarNode):
                raise ManifestSyntaxError(
                    line,
                    "a mapping key is a list or a mapping, which kubectl refuses",
                    "use a string",
                )
            key = scalar(key_node.value, key_node.tag, key_node.plain, line)
            identity = (type(key).__name__, key)
            entries[identity] = (key, value_node, line)

    def _merge(self, node: Node, entries: dict[tuple[str, Any], Any]) -> None:
        # go-yaml v2 writes the merged keys now, over what is there; earlier maps of a
        # list take precedence, so the list is written last to first.
        sources = list(reversed(node.value)) if isinstance(node, SequenceNode) else [node]
        for source in sources:
            if not isinstance(source, MappingNode):
                raise ManifestSyntaxError(
                    self._line(node), MERGE_NEEDS_MAPS, "fix the value of '<<'"
                )
            self._fill(source, entries)


def _is_merge(node: Node) -> bool:
    if not isinstance(node, PlainScalarNode) or node.value != "<<":
        return False
    return node.plain or node.tag == MERGE


def _item_lines(node: Node) -> tuple[int, ...]:
    if not isinstance(node, MappingNode):
        return ()
    for key, value in node.value:
        if isinstance(key, ScalarNode) and key.value == "items" and isinstance(value, SequenceNode):
            return tuple(int(item.start_mark.line) + 1 for item in value.value)
    return ()

"""Reading configuration files into YAML documents, within limits, keeping line numbers.

The C safe loader parses; documents are composed to nodes first, so that every field can
be traced back to its line and so that size, depth, alias expansion and duplicate keys
are checked before any Python object is built. Problems never quote file content: a
broken line may hold a secret.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import yaml

from trueup.config.issues import ConfigIssue

MAX_FILE_BYTES: Final = 4 * 1024 * 1024
"""A configuration file larger than this is refused (configurations are small)."""
MAX_DEPTH: Final = 64
"""Deepest nesting of mappings and lists accepted in one document."""
MAX_NODES: Final = 100_000
"""Most values one document may expand to, counting every alias use (YAML bombs)."""


@dataclass(frozen=True, slots=True)
class Document:
    """One YAML document of a file: its 1-based first line, its node tree, and its value."""

    file: Path
    line: int
    node: yaml.Node
    data: object


def read_documents(file: Path) -> tuple[list[Document], list[ConfigIssue]]:
    """The documents of ``file`` and the problems found reading it.

    Documents before a syntax error are kept; the rest of that file is not read.
    """
    documents: list[Document] = []
    issues: list[ConfigIssue] = []

    def problem(line: int | None, message: str, hint: str) -> None:
        issues.append(ConfigIssue(file, line, "", "", message, hint))

    try:
        with file.open("rb") as stream:
            raw = stream.read(MAX_FILE_BYTES + 1)
    except OSError as e:
        problem(None, f"cannot be read: {e.strerror}", "check the path and its permissions")
        return documents, issues
    if len(raw) > MAX_FILE_BYTES:
        problem(None, "is larger than 4 MiB", "split it into several files")
        return documents, issues
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        problem(None, "is not UTF-8 text", "save it as UTF-8")
        return documents, issues
    depth_error = _too_deep(text)
    if depth_error is not None:
        problem(depth_error, f"nests deeper than {MAX_DEPTH} levels", "flatten the document")
        return documents, issues

    loader = yaml.CSafeLoader(text)
    try:
        while loader.check_node():
            node = loader.get_node()
            if node is None:
                continue
            line = node.start_mark.line + 1
            bad = _check_node(node)
            if bad is not None:
                line, message, hint, duplicate_key = bad
                # A duplicate key still composes safely, so the object can be named.
                label = object_label(_construct(loader, node)) if duplicate_key else ""
                issues.append(ConfigIssue(file, line, label, "", message, hint))
                continue
            try:
                data = loader.construct_document(node)
            except yaml.constructor.ConstructorError as e:
                mark = e.problem_mark
                where = mark.line + 1 if mark is not None else line
                problem(where, f"uses an unsupported YAML tag: {e.problem}", "remove the tag")
                continue
            if data is not None:
                documents.append(Document(file, line, node, data))
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        line = mark.line + 1 if mark is not None else None
        problem(line, f"is not valid YAML: {e.problem or e.context}", "fix the YAML syntax")
    except yaml.YAMLError:
        problem(None, "is not valid YAML", "fix the YAML syntax")
    finally:
        loader.dispose()
    return documents, issues


def _construct(loader: yaml.CSafeLoader, node: yaml.Node) -> object:
    try:
        return loader.construct_document(node)
    except yaml.YAMLError:
        return None


def object_label(data: object) -> str:
    """``Kind/name`` or ``Kind/namespace/name`` as far as a raw document tells; '' if nothing."""
    if not isinstance(data, dict):
        return ""
    kind = data.get("kind")
    metadata = data.get("metadata")
    metadata = metadata if isinstance(metadata, dict) else {}
    name, namespace = metadata.get("name"), metadata.get("namespace")
    kind_text = kind if isinstance(kind, str) and kind else "?"
    if not isinstance(name, str) or not name:
        return kind_text if kind_text != "?" else ""
    if isinstance(namespace, str) and namespace:
        return f"{kind_text}/{namespace}/{name}"
    return f"{kind_text}/{name}"


def _too_deep(text: str) -> int | None:
    # Checked on the event stream, which needs no recursion, before composing (which does).
    depth = 0
    try:
        for event in yaml.parse(text, Loader=yaml.CSafeLoader):
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > MAX_DEPTH:
                    mark = event.start_mark
                    return int(mark.line) + 1 if mark is not None else 1
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
    except yaml.YAMLError:
        return None  # reported with its line when the documents are composed
    return None


def _check_node(root: yaml.Node) -> tuple[int, str, str, bool] | None:
    """Alias expansion, alias cycles, duplicate keys: ``(line, message, hint, is_duplicate)``."""
    sizes: dict[int, int] = {}
    in_progress: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        key = id(node)
        if children_done:
            in_progress.discard(key)
            sizes[key] = 1 + sum(sizes[id(c)] for c in _children(node))
            if sizes[key] > MAX_NODES:
                return _line(root), f"expands to more than {MAX_NODES} values", _ALIAS_HINT, False
            continue
        if key in sizes:
            continue
        if key in in_progress:
            return _line(node), "an alias refers to the node that contains it", _ALIAS_HINT, False
        in_progress.add(key)
        duplicate = _duplicate_key(node)
        if duplicate is not None:
            return duplicate
        stack.append((node, True))
        stack.extend((child, False) for child in _children(node) if id(child) not in sizes)
    return None


_ALIAS_HINT: Final = "write the values out instead of using anchors and aliases"


def _children(node: yaml.Node) -> Sequence[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [item for pair in node.value for item in pair]
    return ()


def _duplicate_key(node: yaml.Node) -> tuple[int, str, str, bool] | None:
    if not isinstance(node, yaml.MappingNode):
        return None
    seen: set[str] = set()
    for key_node, _value in node.value:
        if isinstance(key_node, yaml.ScalarNode) and key_node.tag != "tag:yaml.org,2002:merge":
            if key_node.value in seen:
                message = f"key '{key_node.value[:80]}' appears twice in one mapping"
                return _line(key_node), message, "keep one of them", True
            seen.add(key_node.value)
    return None


def _line(node: yaml.Node) -> int:
    return int(node.start_mark.line) + 1


def line_of(node: yaml.Node, path: Sequence[str | int]) -> int:
    """The line of the deepest node along ``path`` (mapping keys and list indexes)."""
    line = _line(node)
    for part in path:
        child: yaml.Node | None = None
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                if isinstance(key_node, yaml.ScalarNode) and key_node.value == str(part):
                    child, line = value_node, _line(key_node)
                    break
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            child = node.value[part] if 0 <= part < len(node.value) else None
            line = _line(child) if child is not None else line
        if child is None:
            break
        node = child
    return line

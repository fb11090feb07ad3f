"""Reading configuration files into YAML documents, within limits, keeping line numbers.

Files are read as kubectl reads them (``trueup.kubeyaml``: the same objects may be applied
to a cluster as custom resources), and then held to a stricter standard, since this is
trueup's own configuration: an explicit YAML tag (``!!binary``, ``!!set``, ``!custom``) and
a key given twice in one mapping are refused. Each ``---`` section is read on its own, so a
broken document costs only itself. Problems never quote file content: a broken line may
hold a secret.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import yaml

from trueup.config.issues import ConfigIssue
from trueup.kubeyaml import Limits, ManifestSyntaxError, read_each

MAX_FILE_BYTES: Final = 4 * 1024 * 1024
"""A configuration file larger than this is refused (configurations are small)."""
MAX_DEPTH: Final = 64
"""Deepest nesting of mappings and lists accepted in one document."""
MAX_NODES: Final = 100_000
"""Most values one document may expand to, counting every alias use (YAML bombs)."""
_LIMITS: Final = Limits(
    max_depth=MAX_DEPTH, max_aliases=MAX_NODES, max_document_nodes=MAX_NODES, max_objects=MAX_NODES
)


@dataclass(frozen=True, slots=True)
class Document:
    """One YAML document of a file: its 1-based first line, its node tree, and its value.

    ``problem`` is set for a document that could not be read: ``data`` then holds only what
    it says it is (apiVersion, kind, metadata name and namespace, as written), so that the
    objects that refer to it can say it is invalid. ``node`` is None for JSON text.
    """

    file: Path
    line: int
    node: yaml.Node | None
    data: object
    problem: ConfigIssue | None = None


def read_documents(file: Path) -> tuple[list[Document], list[ConfigIssue]]:
    """The documents of ``file`` and the problems found reading it.

    A document that cannot be read is returned with its ``problem`` when it still says
    which object it is, or reported as an issue otherwise; the other documents are kept.
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
        raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        problem(raw.count(b"\n", 0, e.start) + 1, "is not UTF-8 text", "save it as UTF-8")
        return documents, issues
    for result in read_each(raw, _LIMITS):
        if isinstance(result, ManifestSyntaxError):
            identity = result.identity
            label = object_label(identity)
            issue = ConfigIssue(file, result.line, label, "", _message(result), result.hint)
            if label and "/" in label:
                documents.append(Document(file, result.line or 1, None, identity, issue))
            else:
                issues.append(issue)
            continue
        line = result.line
        strict = _strictness_problem(result.node) if result.node is not None else None
        if strict is not None:
            where, message, hint = strict
            issue = ConfigIssue(file, where, object_label(result.data), "", message, hint)
            documents.append(Document(file, line, result.node, result.data, issue))
            continue
        documents.append(Document(file, line, result.node, result.data))
    return documents, issues


def _message(problem: ManifestSyntaxError) -> str:
    if problem.message.startswith("invalid YAML: "):
        return "is not valid YAML: " + problem.message.removeprefix("invalid YAML: ")
    return problem.message


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


def _strictness_problem(root: yaml.Node) -> tuple[int, str, str] | None:
    """The first explicit tag or duplicated key: ``(line, message, hint)``."""
    seen: set[int] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue  # an alias: checked where its anchor is
        seen.add(id(node))
        if node.tag:
            return (
                _line(node),
                f"uses the YAML tag {_short(node.tag)[:40]}; trueup's configuration takes "
                "plain values",
                "remove the tag",
            )
        if isinstance(node, yaml.MappingNode):
            keys: set[str] = set()
            for key_node, _value in node.value:
                if isinstance(key_node, yaml.ScalarNode):
                    if key_node.value in keys and key_node.value != "<<":
                        message = f"key '{key_node.value[:80]}' appears twice in one mapping"
                        return _line(key_node), message, "keep one of them"
                    keys.add(key_node.value)
            stack.extend(item for pair in reversed(node.value) for item in reversed(pair))
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(reversed(node.value))
    return None


def _short(tag: str) -> str:
    prefix = "tag:yaml.org,2002:"
    return "!!" + tag.removeprefix(prefix) if tag.startswith(prefix) else tag


def _line(node: yaml.Node) -> int:
    return int(node.start_mark.line) + 1


def line_of(doc: Document, path: Sequence[str | int]) -> int:
    """The line of the deepest node along ``path`` (mapping keys and list indexes) in ``doc``."""
    if doc.node is None:
        return doc.line
    node = doc.node
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

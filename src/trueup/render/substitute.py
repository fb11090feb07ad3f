"""Variable substitution in rendered objects: ``${var}``, ``${var:=default}``, ``${var:-default}``.

An App that opts in (``spec.substitute``, ``spec.substituteFrom`` or
``spec.substituteStrict``) has its rendered objects, plain YAML and kustomize output alike,
passed through :func:`substitute_rendered` at the end of the render. Each object is written
as YAML, its text substituted, and the text read again as kubectl reads it, so that
``replicas: ${REPLICAS}`` becomes a number as it does with Flux.

The syntax, and nothing more:

- ``${name}`` is the variable's value; ``${name:=default}`` and ``${name:-default}`` are the
  value, or ``default`` when the variable is unset or empty (the two forms are the same:
  nothing is assigned);
- a name is ``[_a-zA-Z][_a-zA-Z0-9]*``; anything else in braces (``${1}``, ``${DS-x}``,
  ``${}``), a default that holds braces (nesting is not supported), and a ``${`` with no
  closing brace are left as they are, as is every ``$`` not followed by ``{`` (``$1``);
- ``$${...}`` is the literal ``${...}``, whatever it holds (an unclosed ``$${`` stays as
  it is);
- an unset variable without a default is empty, or, in strict mode, fails the render naming
  the file, the object and the variable;
- an object annotated ``trueup.dev/substitute: disabled`` is left alone.

Values are inserted as text: a value that makes the object invalid YAML, or more than one
document, fails the render naming the object; what substitution adds to the render counts
against the render's byte budget (``RenderLimits.max_total_bytes``). Messages never quote
values: some come from Secrets.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Final

import orjson
import yaml

from trueup.config.substitute import VARIABLE_NAME
from trueup.errors import RenderError
from trueup.kubeyaml import Limits, ManifestSyntaxError, ObjectBudget, read_documents
from trueup.objects import Object, ObjectId, Origin, object_id
from trueup.render.options import Rendered, RenderLimits

ANNOTATION: Final = "trueup.dev/substitute"
"""Annotation that turns substitution off for one object when set to :data:`DISABLED`."""
DISABLED: Final = "disabled"

_EXPRESSION = re.compile(rf"({VARIABLE_NAME.pattern})(?::([=-])(.*))?", re.DOTALL)
_BRACE = re.compile(r"[{}]")


@dataclass(frozen=True, slots=True)
class Substitution:
    """The variables of one App's render and whether an unset one is an error."""

    variables: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    strict: bool = False
    unset: str | None = None
    """What a variable without a value becomes, default or not; None: as the module's
    docstring says. An untrusted render whose variables a Secret may hold sets a
    placeholder here (see ``inputs.render_setup``), since the Secret is not read."""


class UnsetVariableError(Exception):
    """A variable without a value or default, in strict mode."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


class TooLargeError(Exception):
    """The substituted text grew past its budget."""


def substitute_text(text: str, substitution: Substitution, max_bytes: int) -> str:
    """``text`` with every variable replaced (see the module's docstring).

    Raises ``UnsetVariableError`` for an unset variable in strict mode and
    ``TooLargeError`` as soon as the result would exceed ``max_bytes`` (UTF-8).
    """
    out = _Output(max_bytes)
    position = 0
    while (start := text.find("$", position)) != -1:
        escaped = text.startswith("$${", start)
        opening = start + 2 if escaped else start + 1
        if not text.startswith("{", opening):
            out.add(text[position : opening + 1 if escaped else opening])
            position = opening + 1 if escaped else opening
            continue
        end = _closing_brace(text, opening)
        out.add(text[position:start])
        if end is None:  # an unclosed ``${`` is text, and so is ``$${`` then
            out.add(text[start : opening + 1])
            position = opening + 1
            continue
        if escaped:
            out.add(text[start + 1 : end + 1])
        else:
            out.add(_expanded(text[start : end + 1], text[opening + 1 : end], substitution))
        position = end + 1
    out.add(text[position:])
    return "".join(out.parts)


class _Output:
    """Pieces of a result and their size, refused past a budget."""

    def __init__(self, max_bytes: int) -> None:
        self.parts: list[str] = []
        self._left = max_bytes

    def add(self, piece: str) -> None:
        self._left -= len(piece) if piece.isascii() else len(piece.encode())
        if self._left < 0:
            raise TooLargeError
        self.parts.append(piece)


def _closing_brace(text: str, opening: int) -> int | None:
    """The index of the brace that closes the one at ``opening``, or None."""
    depth = 0
    for match in _BRACE.finditer(text, opening):
        depth += 1 if match.group() == "{" else -1
        if depth == 0:
            return match.start()
    return None


def _expanded(whole: str, inner: str, substitution: Substitution) -> str:
    match = _EXPRESSION.fullmatch(inner)
    if match is None or "{" in inner or "}" in inner:
        return whole  # not ours: ${1}, ${DS-PROMETHEUS}, nested braces
    name, operator, default = match.groups()
    value = substitution.variables.get(name)
    if value is None and substitution.unset is not None:
        return substitution.unset
    if operator is not None:
        return value if value else default
    if value is not None:
        return value
    if substitution.strict:
        raise UnsetVariableError(name)
    return ""


def substitute_rendered(
    rendered: Rendered, substitution: Substitution, limits: RenderLimits, bytes_left: int
) -> Rendered:
    """``rendered`` with every object substituted, each keeping its origin.

    ``bytes_left`` is what the render may still add to its byte budget; objects that hold
    no ``${`` come back as they are. Raises ``RenderError`` naming the object's origin and
    id for an unset variable (strict), a result that is not one valid object, a duplicate,
    and a crossed budget.
    """
    objects: list[Object] = []
    origins: dict[ObjectId, Origin] = {}
    seen: dict[ObjectId, str] = {}
    renamed: dict[ObjectId, ObjectId] = {}
    budget = bytes_left
    for obj in rendered.objects:
        oid = object_id(obj)
        origin = rendered.origins.get(oid)
        where = f"{origin}: {oid}" if origin is not None else str(oid)
        new, growth = _substituted(obj, substitution, limits, budget, where)
        budget -= growth
        new_id = object_id(new)
        if new_id in seen:
            raise RenderError(
                f"{where}: after substitution it is {new_id}, declared at {seen[new_id]} too; "
                "change the variables or the names so that each object is declared once"
            )
        seen[new_id] = str(origin) if origin is not None else str(oid)
        renamed[oid] = new_id
        if origin is not None:
            origins[new_id] = origin
        objects.append(new)
    return Rendered(
        tuple(objects),
        MappingProxyType(origins),
        rendered.reads,
        rendered.masked_values,
        tuple((renamed.get(oid, oid), pointer) for oid, pointer in rendered.unstable),
        chart_version=rendered.chart_version,
        chart_digest=rendered.chart_digest,
    )


def _substituted(
    obj: Object, substitution: Substitution, limits: RenderLimits, budget: int, where: str
) -> tuple[Object, int]:
    """``obj`` substituted, and how many bytes its text grew."""
    if _disabled(obj) or b"${" not in orjson.dumps(obj):
        return obj, 0
    text = _dump(obj)
    size = len(text.encode())
    try:
        result = substitute_text(text, substitution, size + max(0, budget))
    except UnsetVariableError as e:
        raise RenderError(
            f"{where}: variable {e.name} is not set and has no default (spec.substituteStrict); "
            f"set it in spec.substitute or a spec.substituteFrom object, give it a default "
            f"(${{{e.name}:=value}}), or escape it ($${{{e.name}}})"
        ) from None
    except TooLargeError:
        raise RenderError(
            f"{where}: substitution makes the render larger than {limits.max_total_bytes} "
            "bytes in total; use shorter values or fewer references, or render a smaller path"
        ) from None
    if result == text:
        return obj, 0
    return _parsed(result, limits, where), len(result.encode()) - size


def _disabled(obj: Object) -> bool:
    metadata = obj.get("metadata")
    annotations = metadata.get("annotations") if isinstance(metadata, dict) else None
    return isinstance(annotations, dict) and annotations.get(ANNOTATION) == DISABLED


def _parsed(text: str, limits: RenderLimits, where: str) -> Object:
    """The one object ``text`` holds, read as kubectl reads it; errors name ``where``."""
    bounds = Limits(
        max_depth=limits.max_depth,
        max_aliases=limits.max_aliases,
        max_document_nodes=limits.max_document_nodes,
        max_objects=limits.max_objects,
    )
    fix = "quote the variable in the manifest or change its value"
    try:
        documents = list(read_documents(text.encode(), bounds, ObjectBudget(2, 2)))
    except ManifestSyntaxError as e:
        raise RenderError(
            f"{where}: after substitution the object is not valid YAML ({e.message}); {fix}"
        ) from None
    if len(documents) != 1 or not isinstance(documents[0].data, dict):
        raise RenderError(
            f"{where}: after substitution the object is not one mapping "
            f"({len(documents)} documents); {fix}"
        )
    return _checked(documents[0].data, where)


def _checked(obj: dict[str, Any], where: str) -> Object:
    """``obj`` if it still says what it is: apiVersion, kind, metadata.name (and namespace)."""
    metadata = obj.get("metadata")
    valid = (
        isinstance(obj.get("apiVersion"), str)
        and bool(obj["apiVersion"])
        and isinstance(obj.get("kind"), str)
        and bool(obj["kind"])
        and isinstance(metadata, dict)
        and isinstance(metadata.get("name"), str)
        and bool(metadata["name"])
        and isinstance(metadata.get("namespace", ""), str)
    )
    if not valid:
        raise RenderError(
            f"{where}: after substitution apiVersion, kind, metadata.name or "
            "metadata.namespace is missing or not a string; set the variables they use"
        )
    return obj


class _Dumper(getattr(yaml, "CSafeDumper", yaml.SafeDumper)):  # type: ignore[misc]
    """YAML that reads back as the same values: strings without ``${`` are double-quoted
    (so that ``"y"`` or ``"0o17"`` stay strings for kubectl's YAML 1.1), and strings with
    one keep YAML's own style (plain where it can), so their substituted text gets a type."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    if "${" in value:
        return dumper.represent_str(value)
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style='"')


_Dumper.add_representer(str, _represent_str)
_Dumper.add_multi_representer(int, yaml.SafeDumper.represent_int)


def _dump(obj: Object) -> str:
    text: str = yaml.dump(obj, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=1 << 30)
    return text

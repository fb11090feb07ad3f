"""Finding image policy markers in YAML text, with the exact span of the scalar each marks.

A marker is a comment, in Flux's grammar, after a scalar value on the same line::

    image: ghcr.io/org/app:1.2.3 # {"$imagepolicy": "flux-system:app"}
    tag: 1.2.3 # {"$imagepolicy": "flux-system:app:tag"}

The comment, less its leading ``#`` characters, is a JSON object of strings whose key
``$imagepolicy`` names ``<namespace>:<policy>`` and optionally ``:tag``, ``:name`` or
``:digest``. Whitespace inside and around the JSON is free, as for Flux.

Comments are not tokens, so they are found in the gaps between the tokens of PyYAML's
scanner, whose marks give exact character offsets; the token before a comment on its line
is what it marks. A marker anywhere else (on a line of its own, after a key with no value,
after a flow collection or an alias, on a block scalar's header) is reported, not guessed.
"""

from __future__ import annotations

import bisect
import json
import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

import yaml

SHORTHAND: Final = "$imagepolicy"
"""The key of a marker's JSON object."""

SCREEN: Final = f'"{SHORTHAND}"'
"""Text every file with a marker contains: files without it are not parsed at all."""


def may_hold_markers(file_name: str) -> bool:
    """Whether a file of this name is read for markers: ``*.yaml``, ``*.yml``, ``Kustomization``."""
    return file_name.endswith((".yaml", ".yml")) or file_name == "Kustomization"


class Field(StrEnum):
    """Which part of the selected image a marker writes."""

    IMAGE = "image"
    """``name:tag`` (``name:tag@digest`` when the policy pins digests)."""
    TAG = "tag"
    NAME = "name"
    DIGEST = "digest"


class ProblemKind(StrEnum):
    """Why a marker was not applied."""

    MALFORMED = "malformed"
    UNKNOWN_POLICY = "unknown-policy"
    NOT_A_SCALAR_VALUE = "not-a-scalar-value"
    NO_SELECTION = "no-selection"
    NO_DIGEST = "no-digest"
    UNPARSABLE = "unparsable"
    TOO_LARGE = "too-large"


@dataclass(frozen=True)
class MarkerProblem:
    """A marker (or a file with markers) that was left alone, and why."""

    file: str
    line: int
    """1-based line of the marker."""
    kind: ProblemKind
    message: str
    policy: str = ""
    """The policy as the marker names it, when it could be read."""

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


@dataclass(frozen=True)
class Marker:
    """A marker on a scalar: the policy and field it names and the scalar's exact span."""

    line: int
    """1-based line of the marked scalar's start."""
    namespace: str
    policy: str
    field: Field
    start: int
    end: int
    """Character offsets of the scalar in the text, quotes included."""
    style: str | None
    """``None`` for a plain scalar, ``'`` or ``"`` for a quoted one."""
    value: str
    """The scalar's value as YAML reads it."""

    @property
    def setter(self) -> str:
        """The marker's text: ``namespace:policy`` with ``:field`` for a partial one."""
        base = f"{self.namespace}:{self.policy}"
        return base if self.field is Field.IMAGE else f"{base}:{self.field}"


def find_markers(text: str, file: str) -> tuple[list[Marker], list[MarkerProblem]]:
    """The markers in ``text`` (a whole file, any number of documents) and the problems."""
    try:
        tokens = _tokens(text)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None) or getattr(e, "context_mark", None)
        line = mark.line + 1 if mark is not None else 1
        message = f"the file is not valid YAML ({getattr(e, 'problem', None) or e}), "
        return [], [MarkerProblem(file, line, ProblemKind.UNPARSABLE, message + _NOT_READ)]
    spans = [t for t in tokens if t.end_mark.index > t.start_mark.index]
    markers: list[Marker] = []
    problems: list[MarkerProblem] = []
    line_starts = [0, *(m.end() for m in re.finditer("\n", text))]
    for index, comment_at, body in _comments(text, spans):
        line = bisect.bisect_right(line_starts, comment_at)
        setter = _setter(body)
        if setter is None:
            if SHORTHAND in body and body.strip().startswith("{"):
                message = f'the comment is not a marker: write {{{SCREEN}: "<namespace>:<name>"}}'
                problems.append(MarkerProblem(file, line, ProblemKind.MALFORMED, message))
            continue
        found = _marker(text, spans, index, comment_at, setter, line, file)
        if isinstance(found, Marker):
            markers.append(found)
        else:
            problems.append(found)
    return markers, problems


_NOT_READ: Final = "so its markers were not read"
_FAST: Final[type[yaml.CSafeLoader] | None] = getattr(yaml, "CSafeLoader", None)


def _tokens(text: str) -> list[yaml.Token]:
    """Every token of a valid YAML stream; raises ``YAMLError`` for an invalid one.

    libyaml (when PyYAML has it) is tried first, being much faster; its marks
    are trusted only if every scalar's span holds that scalar, else, as when libyaml
    refuses the text, PyYAML's own scanner decides.
    """
    if _FAST is not None:
        try:
            for _event in yaml.parse(text, Loader=_FAST):
                pass
            tokens = list(yaml.scan(text, Loader=_FAST))
            if all(_spans_hold(text, t) for t in tokens if isinstance(t, yaml.ScalarToken)):
                return tokens
        except yaml.YAMLError:
            pass
    for _event in yaml.parse(text, Loader=yaml.SafeLoader):
        pass
    return list(yaml.scan(text, Loader=yaml.SafeLoader))


def _spans_hold(text: str, token: yaml.ScalarToken) -> bool:
    span = text[token.start_mark.index : token.end_mark.index]
    if token.style in ("'", '"'):
        return bool(len(span) >= 2 and span[0] == span[-1] == token.style)
    if token.style in ("|", ">"):
        return bool(span[:1] == token.style)
    return bool(span == token.value or "\n" in span or "\r" in span)


def _comments(text: str, spans: list[yaml.Token]) -> list[tuple[int, int, str]]:
    """``(index of the token before, offset of '#', text after the '#'s)`` per comment.

    A ``#`` outside every token starts a comment that runs to the end of its line; so does
    one on the header line of a block scalar, whose token spans its whole body.
    """
    starts = [t.start_mark.index for t in spans]
    found: list[tuple[int, int, str]] = []
    at = text.find("#")
    while at >= 0:
        index = bisect.bisect_right(starts, at) - 1
        token = spans[index] if index >= 0 else None
        inside = token is not None and at < token.end_mark.index
        if inside and not _in_block_header(text, token, at):
            at = text.find("#", token.end_mark.index if token is not None else at + 1)
            continue
        line_end = _line_end(text, at)
        found.append((index, at, _body(text, at, line_end)))
        at = text.find("#", line_end)
    return found


def _in_block_header(text: str, token: yaml.Token | None, at: int) -> bool:
    if not isinstance(token, yaml.ScalarToken) or token.style not in ("|", ">"):
        return False
    return at < _line_end(text, token.start_mark.index)


def _line_end(text: str, start: int) -> int:
    newline = text.find("\n", start)
    end = len(text) if newline < 0 else newline
    carriage = text.find("\r", start, end)
    return end if carriage < 0 else carriage


def _body(text: str, hash_at: int, line_end: int) -> str:
    return text[hash_at:line_end].lstrip("#")


def _setter(body: str) -> str | None:
    """The marker's ``$imagepolicy`` value, or ``None`` if the comment is no marker."""
    if SHORTHAND not in body:
        return None
    try:
        data = json.loads(body)
    except ValueError:
        return None
    if not isinstance(data, dict) or not all(isinstance(v, str) for v in data.values()):
        return None
    value = data.get(SHORTHAND)
    return value if isinstance(value, str) and value else None


def _marker(
    text: str,
    spans: list[yaml.Token],
    before: int,
    comment_at: int,
    setter: str,
    line: int,
    file: str,
) -> Marker | MarkerProblem:
    parts = setter.split(":")
    fields = {f.value: f for f in Field if f is not Field.IMAGE}
    if len(parts) not in (2, 3) or not all(parts) or (len(parts) == 3 and parts[2] not in fields):
        message = (
            f"marker '{setter[:120]}' is not <namespace>:<policy>, optionally followed by "
            ":tag, :name or :digest"
        )
        return MarkerProblem(file, line, ProblemKind.MALFORMED, message, setter[:120])
    field = fields[parts[2]] if len(parts) == 3 else Field.IMAGE
    token = spans[before] if before >= 0 else None
    same_line = token is not None and not any(
        c in text[token.end_mark.index : comment_at] for c in "\r\n"
    )
    where = _not_a_value(token, spans, before) if same_line else "on a line of its own"
    if where is None and isinstance(token, yaml.ScalarToken) and token.style in ("|", ">"):
        where = "on the header of a block scalar (| or >)"
    if where is not None or not isinstance(token, yaml.ScalarToken):
        message = (
            f"marker '{setter}' is {where}: put it after a single-line value, on the same "
            'line, as in \'image: registry/app:1.0.0 # {"$imagepolicy": "ns:policy"}\''
        )
        return MarkerProblem(file, line, ProblemKind.NOT_A_SCALAR_VALUE, message, setter)
    return Marker(
        line=token.start_mark.line + 1,
        namespace=parts[0],
        policy=parts[1],
        field=field,
        start=token.start_mark.index,
        end=token.end_mark.index,
        style=token.style or None,
        value=token.value,
    )


_WHAT: Final = {
    "Value": "a key with no value",
    "FlowMappingEnd": "a flow mapping's '}'",
    "FlowSequenceEnd": "a flow sequence's ']'",
    "FlowEntry": "a ','",
    "Alias": "an alias (*name)",
    "Anchor": "an anchor (&name)",
    "Tag": "a tag (!name)",
    "BlockEntry": "a '-' with no value",
    "DocumentStart": "'---'",
    "DocumentEnd": "'...'",
    "Directive": "a directive",
}


def _not_a_value(token: yaml.Token | None, spans: list[yaml.Token], index: int) -> str | None:
    """Why the token before a marker is not a scalar value to set, or ``None`` if it is one."""
    if not isinstance(token, yaml.ScalarToken):
        name = type(token).__name__.removesuffix("Token")
        return f"after {_WHAT.get(name, name)}, not after a value"
    following = spans[index + 1] if index + 1 < len(spans) else None
    if isinstance(following, yaml.ValueToken):
        return "after a key, not a value"
    return None

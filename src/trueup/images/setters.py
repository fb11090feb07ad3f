"""Writing selected images into YAML files at their markers, touching no other byte.

:func:`set_images` finds the markers of one file (:mod:`trueup.images.markers`), works
out each marked scalar's new value from the policy's selected image, and splices the new
text over the old scalar's characters only. Comments, block scalars, anchors, flow
collections, other documents, CRLF line ends and text in any script stay exactly as they
were; a round-trip through a YAML library is what this avoids.

A scalar keeps its quoting style. A plain scalar whose new value YAML would read as
something other than a string (``1.10`` as a number, say) is written double-quoted, as
Flux does, so the value stays the string the policy chose.

What cannot be applied is reported, never guessed: a marker naming a policy that is not
declared, a policy that selects nothing yet, a ``:digest`` marker for a policy that does
not pin digests, or a marker in a place no value can be set.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

import yaml

from trueup.images.markers import SCREEN, Field, Marker, MarkerProblem, ProblemKind, find_markers
from trueup.images.reference import LatestImage, PolicyName

_STR: Final = "tag:yaml.org,2002:str"
_PLAIN: Final = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_./:@+-]*")
"""Characters that are safe in a plain scalar anywhere; image references need no others."""
_RESOLVER: Final = yaml.resolver.Resolver()


@dataclass(frozen=True)
class Change:
    """One scalar a marker changed: where, from what, to what, by which policy."""

    file: str
    line: int
    old: str
    new: str
    policy: PolicyName
    field: Field
    setter: str
    """The marker's text, ``namespace:policy`` with ``:tag``, ``:name`` or ``:digest``."""

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.old} → {self.new} ({self.setter})"


@dataclass(frozen=True)
class FileUpdate:
    """The file's new ``content`` (the same bytes when nothing changed), changes and problems."""

    file: str
    content: bytes
    changes: tuple[Change, ...] = ()
    problems: tuple[MarkerProblem, ...] = ()

    @property
    def changed(self) -> bool:
        """Whether any marked scalar got a new value."""
        return bool(self.changes)


def set_images(
    content: bytes, file: str, selected: Mapping[PolicyName, LatestImage | None]
) -> FileUpdate:
    """Apply the markers of ``content`` (the file ``file``) with the images ``selected``.

    ``selected`` holds every declared policy: its image, or ``None`` while it selects
    none. A marker naming a policy missing from it is reported as unknown.
    """
    if SCREEN.encode() not in content:
        return FileUpdate(file, content)
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError:
        message = "the file is not UTF-8, so its markers were not read"
        return FileUpdate(
            file, content, (), (MarkerProblem(file, 1, ProblemKind.UNPARSABLE, message),)
        )
    markers, problems = find_markers(text, file)
    changes: list[Change] = []
    pieces: list[str] = []
    done = 0
    for marker in markers:
        policy = PolicyName(marker.namespace, marker.policy)
        new = _new_value(marker, policy, selected, file, problems)
        if new is None or new == marker.value:
            continue
        pieces.extend((text[done : marker.start], _written(new, marker.style)))
        done = marker.end
        changes.append(
            Change(file, marker.line, marker.value, new, policy, marker.field, marker.setter)
        )
    reported = tuple(sorted(problems, key=lambda p: p.line))
    if not changes:
        return FileUpdate(file, content, (), reported)
    pieces.append(text[done:])
    return FileUpdate(file, "".join(pieces).encode("utf-8"), tuple(changes), reported)


def _new_value(
    marker: Marker,
    policy: PolicyName,
    selected: Mapping[PolicyName, LatestImage | None],
    file: str,
    problems: list[MarkerProblem],
) -> str | None:
    def report(kind: ProblemKind, message: str) -> None:
        problems.append(MarkerProblem(file, marker.line, kind, message, marker.setter))

    if policy not in selected:
        report(
            ProblemKind.UNKNOWN_POLICY,
            f"marker '{marker.setter}' names ImagePolicy '{policy.name}' in namespace "
            f"'{policy.namespace}', which is not declared (policies without a namespace "
            "are in 'default')",
        )
        return None
    image = selected[policy]
    if image is None:
        report(ProblemKind.NO_SELECTION, f"ImagePolicy {policy} selects no image yet")
        return None
    if marker.field is Field.DIGEST and image.digest is None:
        report(
            ProblemKind.NO_DIGEST,
            f"marker '{marker.setter}' wants a digest, but ImagePolicy {policy} does not pin "
            "digests (set spec.digest: true)",
        )
        return None
    return {
        Field.IMAGE: image.reference,
        Field.TAG: image.tag,
        Field.NAME: image.name,
        Field.DIGEST: image.digest or "",
    }[marker.field]


def _written(value: str, style: str | None) -> str:
    """``value`` as a scalar in ``style``; plain only where YAML reads it back as this string."""
    if style == "'":
        return "'" + value.replace("'", "''") + "'"
    if style is None and _plain_reads_back(value):
        return value
    return json.dumps(value, ensure_ascii=False)


def _plain_reads_back(value: str) -> bool:
    """Whether ``value`` written plain is this string, in block and in flow context alike."""
    if not _PLAIN.fullmatch(value) or value.endswith(":"):
        return False
    tag: str = _RESOLVER.resolve(yaml.ScalarNode, value, (True, False))  # type: ignore[no-untyped-call]
    return tag == _STR

"""Cutting a manifest file into documents the way ``kubectl`` does, before any YAML parsing.

kubectl sniffs a file: if its first non-space character is ``{`` the whole file is a
stream of JSON objects; otherwise it is YAML, cut into sections at every line that starts
with ``---`` (a separator line may carry only spaces and a ``#`` comment after it). Each
section is then parsed on its own, and only its first YAML document is read.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from trueup.kubeyaml.problem import ManifestSyntaxError

_SEPARATOR = b"---"


@dataclass(frozen=True, slots=True)
class Section:
    """One ``---``-separated part of a YAML file: its 1-based first line and its bytes."""

    line: int
    data: bytes


def is_json(data: bytes) -> bool:
    """True if kubectl reads ``data`` as JSON: its first non-space character is ``{``."""
    text = data[:4096].decode("utf-8", "replace")
    return text.lstrip().startswith("{")


def yaml_sections(data: bytes) -> Iterator[Section]:
    """The non-empty sections of a YAML file, cut at ``---`` lines as kubectl cuts them.

    A line that starts with ``---`` followed by anything but spaces or a comment is refused,
    as kubectl refuses it ("invalid Yaml document separator").
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        # kubectl looks for '---' in the bytes, so it reads a UTF-16 stream as one document.
        raise ManifestSyntaxError(
            1, "the file is UTF-16 text, in which kubectl finds no '---'", "save it as UTF-8"
        )
    start_line = 1
    buffer: list[bytes] = []
    for number, line in enumerate(_lines(data), start=1):
        if line.startswith(_SEPARATOR):
            rest = line[len(_SEPARATOR) :].strip()
            if rest and not rest.startswith(b"#"):
                raise ManifestSyntaxError(
                    number,
                    "a '---' document separator is followed by content on the same line, "
                    "which kubectl refuses",
                    "put the content on the next line",
                )
            if buffer:
                yield Section(start_line, b"".join(buffer))
                buffer = []
                start_line = number + 1
                continue
        if not buffer:
            start_line = number
        buffer.append(line)
    if buffer:
        yield Section(start_line, b"".join(buffer))


def _lines(data: bytes) -> Iterator[bytes]:
    """Lines ending in ``\n`` (kubectl cuts at ``\n`` only; ``\r`` stays part of a line)."""
    start = 0
    while start < len(data):
        end = data.find(b"\n", start)
        end = len(data) if end < 0 else end + 1
        yield data[start:end]
        start = end

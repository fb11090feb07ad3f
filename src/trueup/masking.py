"""Hide secret values in messages that come from outside trueup, and keep them short.

kustomize quotes the YAML it chokes on, git repeats what it was given, and the API server
echoes field values in its reasons. Before such a message is printed or stored it passes
through a :class:`Masker` that knows the values of every Secret in play: those of the
rendered manifests (:func:`secret_values`) and those of trueup's own configuration.

Rules, in order:

- every known value is replaced by ``MASK`` wherever it occurs, together with the forms in
  which tools quote it: base64 (how ``data`` holds it), JSON-escaped (how Go and the API
  server quote strings), whitespace-collapsed, and each line of a multi-line value on its
  own (kustomize re-indents YAML it quotes);
- a value, or a line of one, shorter than ``MIN_SECRET_CHARS`` is not masked on its own: it
  cannot be told apart from ordinary words (masking ``"1"`` would garble every number), and
  a value that short protects nothing anyway;
- the masked message is then cut to ``MAX_MESSAGE_CHARS``, keeping its beginning and its
  end (where tools put the actual error). Masking comes first, so a cut never leaves half
  a value behind.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import replace
from typing import Any, Final

import orjson

from trueup.changeset import ChangeSet
from trueup.failure import Failure

MASK: Final = "********"
"""What a secret value becomes in a message."""

MIN_SECRET_CHARS: Final = 4
"""Values (and lines of multi-line values) shorter than this are not masked on their own."""

MAX_MESSAGE_CHARS: Final = 2000
"""The longest message kept; longer ones keep their beginning and end around a marker."""


class Masker:
    """Replaces known secret values in text, then bounds its length. Immutable and pure."""

    def __init__(self, values: Iterable[str] = (), *, _known: Iterable[str] = ()) -> None:
        forms: set[str] = set(_known)
        for value in values:
            forms.update(_forms(value))
        self._forms = frozenset(forms)
        # Indexed by their first characters, so that a message is checked only against the
        # values that could start somewhere in it, however many values there are.
        self._by_prefix: dict[str, list[str]] = {}
        for form in forms:
            self._by_prefix.setdefault(form[:MIN_SECRET_CHARS], []).append(form)

    def __len__(self) -> int:
        """How many distinct strings are masked."""
        return len(self._forms)

    def with_values(self, values: Iterable[str]) -> Masker:
        """A masker for these values as well as the ones this one knows."""
        return Masker(values, _known=self._forms)

    def __call__(self, text: str) -> str:
        """``text`` with every known value masked, cut to ``MAX_MESSAGE_CHARS``."""
        return _cut(self.whole(text), MAX_MESSAGE_CHARS)

    def whole(self, text: str) -> str:
        """``text`` with every known value masked, and not cut: for output that must stay
        whole (a printed object, a diff), where ``__call__`` is for messages."""
        if not self._forms:
            return text
        starts = {text[i : i + MIN_SECRET_CHARS] for i in range(len(text) - MIN_SECRET_CHARS + 1)}
        found = {
            form for start in starts for form in self._by_prefix.get(start, ()) if form in text
        }
        # A value that contains another is masked whole, before the shorter one.
        for form in sorted(found, key=len, reverse=True):
            text = text.replace(form, MASK)
        return text

    def failure(self, failure: Failure | None) -> Failure | None:
        """``failure`` with its message masked (None stays None)."""
        return None if failure is None else replace(failure, message=self(failure.message))

    def changes(self, changes: ChangeSet) -> ChangeSet:
        """``changes`` with every reason masked."""
        return ChangeSet(
            tuple(replace(c, reason=self(c.reason)) if c.reason else c for c in changes.changes)
        )


def secret_values(objects: Iterable[Mapping[str, Any]]) -> Iterator[str]:
    """The values of every Secret among ``objects``: ``data`` (as written and decoded) and
    ``stringData``."""
    for obj in objects:
        if obj.get("kind") != "Secret":
            continue
        for field, encoded in (("data", True), ("stringData", False)):
            values = obj.get(field)
            if not isinstance(values, Mapping):
                continue
            for value in values.values():
                if isinstance(value, (dict, list)) or value is None:
                    continue  # not a valid Secret value; the server refuses it without quoting
                text = str(value)
                yield text
                if encoded:
                    yield _decoded(text)


def _decoded(text: str) -> str:
    try:
        return base64.b64decode(text, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return ""


def _forms(value: str) -> Iterator[str]:
    """The ways a value may appear in a tool's message, each long enough to mask."""
    candidates = {value, value.strip(), " ".join(value.split())}
    candidates.add(orjson.dumps(value).decode()[1:-1])
    candidates.add(base64.b64encode(value.encode()).decode())
    if "\n" in value:
        candidates.update(line.strip() for line in value.splitlines())
    return (c for c in candidates if len(c) >= MIN_SECRET_CHARS)


def _cut(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    marker = f" …[{len(text) - limit} characters cut]… "
    keep = max(0, limit - len(marker))
    head = keep * 2 // 3
    return text[:head] + marker + text[len(text) - (keep - head) :]

"""Values an App took from secret places, hidden in what ``build`` and ``diff`` print.

Substitution can put a Secret's value into any object (a ConfigMap, an environment
variable, an annotation), where the masking of Secret objects (``plan.mask``) does not
look. These values (``Rendered.masked_values``, or ``inputs.Variables.masked`` read again
for ``diff``) are replaced by ``MASK`` in every string printed, whole or in part, with the
forms a printed object may hold them in (base64, JSON-escaped, each line of several).
Unlike ``masking.Masker`` nothing is cut: this is output, not a message.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable
from typing import Any

import orjson

from trueup.masking import MASK, MIN_SECRET_CHARS


class ValueMask:
    """Replaces known values in text and in the strings of objects; immutable."""

    def __init__(self, values: Iterable[str]) -> None:
        forms: set[str] = set()
        for value in values:
            forms.update((value, orjson.dumps(value).decode()[1:-1]))
            forms.add(base64.b64encode(value.encode()).decode())
            forms.update(line.strip() for line in value.splitlines())
        # Longest first, so that a value holding another is masked whole.
        self._forms = sorted((f for f in forms if len(f) >= MIN_SECRET_CHARS), key=len)[::-1]

    def __bool__(self) -> bool:
        return bool(self._forms)

    def text(self, text: str) -> str:
        """``text`` with every known value masked."""
        for form in self._forms:
            if form in text:
                text = text.replace(form, MASK)
        return text

    def strings(self, value: Any) -> Any:
        """A copy of ``value`` (JSON-like data) with every string, key or value, masked."""
        if not self._forms:
            return value
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, dict):
            return {self.strings(k): self.strings(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.strings(item) for item in value]
        return value

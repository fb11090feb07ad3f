"""Values an App took from secret places, hidden in what ``build`` and ``diff`` print.

Substitution and SOPS can put a secret value into any object (a ConfigMap, an environment
variable, an annotation), where the masking of Secret objects (``plan.mask``) does not
look. These values (``Rendered.masked_values``, carried on as ``SyncReport.masked_values``)
are replaced by ``MASK`` in every string printed, in the forms ``masking.Masker`` knows
(base64, JSON-escaped, each line of several), but nothing is cut: this is output, not a
message.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from trueup.masking import Masker


class ValueMask:
    """Replaces known values in text and in the strings of objects; immutable."""

    def __init__(self, values: Iterable[str]) -> None:
        self._masker = Masker(values)

    def __bool__(self) -> bool:
        return len(self._masker) > 0

    def text(self, text: str) -> str:
        """``text`` with every known value masked."""
        return self._masker.whole(text)

    def strings(self, value: Any) -> Any:
        """A copy of ``value`` (JSON-like data) with every string, key or value, masked."""
        if not self:
            return value
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, dict):
            return {self.strings(k): self.strings(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.strings(item) for item in value]
        return value

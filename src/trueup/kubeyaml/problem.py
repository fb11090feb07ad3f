"""The one exception the YAML reader raises, translated by its callers into their own errors."""

from __future__ import annotations

from typing import Any


class ManifestSyntaxError(ValueError):
    """A manifest cannot be read as kubectl would read it.

    ``line`` is 1-based in the file (None if unknown); ``message`` says what is wrong and
    ``hint`` what to do. Neither ever quotes file content: a broken line may hold a secret.
    """

    def __init__(self, line: int | None, message: str, hint: str) -> None:
        super().__init__(f"line {line}: {message}; {hint}" if line else f"{message}; {hint}")
        self.line = line
        self.message = message
        self.hint = hint
        self.identity: dict[str, Any] | None = None
        """What the document says it is (apiVersion, kind, metadata name and namespace, as
        written), when the problem was found after the document was parsed."""

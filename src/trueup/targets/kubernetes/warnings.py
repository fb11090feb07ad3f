"""The API server's warnings to people, read from a response's ``Warning`` headers.

The server sends one header per warning, as ``299 - "text"`` (RFC 7234, the text quoted
with backslash escapes): an unknown field dropped under ``fieldValidation=Warn``, a
deprecated API version, a policy in audit mode.
"""

from __future__ import annotations

import re

from trueup.targets.kubernetes.http1 import Answer

_WARNING = re.compile(r'\s*\d{3}\s+\S+\s+"((?:[^"\\]|\\.)*)"')
_ESCAPE = re.compile(r"\\(.)")


def warnings_of(response: Answer) -> tuple[str, ...]:
    """The text of every ``Warning`` header of ``response``, in order."""
    found = []
    for header in response.header_list("Warning"):
        match = _WARNING.match(header)
        text = _ESCAPE.sub(r"\1", match.group(1)) if match else header.strip()
        if text:
            found.append(text)
    return tuple(found)

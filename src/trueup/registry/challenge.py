"""Reading an HTTP ``WWW-Authenticate`` challenge: which scheme, and its parameters.

A registry that wants credentials answers 401 with ``Basic realm="..."`` or with
``Bearer realm="https://auth.example.test/token",service="registry",scope="..."``: the
latter says where to fetch a token for the request (see :mod:`trueup.registry.tokens`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

_PARAM = re.compile(r'\s*([A-Za-z][A-Za-z0-9_-]*)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,"]*))\s*,?')


@dataclass(frozen=True, slots=True)
class Challenge:
    """One challenge: ``scheme`` lower-cased (``basic``, ``bearer``) and its parameters."""

    scheme: str
    params: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))

    def get(self, name: str) -> str:
        """The parameter ``name`` (case-insensitive), '' when absent."""
        return self.params.get(name.lower(), "")


def parse_challenge(header: str) -> Challenge | None:
    """The first challenge of a ``WWW-Authenticate`` value, or ``None`` when there is none.

    Registries send one challenge; a second one (rare) is ignored rather than misread.
    """
    scheme, _, rest = header.strip().partition(" ")
    if not scheme or not re.fullmatch(r"[A-Za-z][A-Za-z0-9_-]*", scheme):
        return None
    params: dict[str, str] = {}
    position = 0
    while position < len(rest):
        match = _PARAM.match(rest, position)
        if match is None or match.end() == position:
            break
        quoted, bare = match[2], match[3]
        value = re.sub(r"\\(.)", r"\1", quoted) if quoted is not None else bare or ""
        params.setdefault(match[1].lower(), value)
        position = match.end()
    return Challenge(scheme.lower(), MappingProxyType(params))

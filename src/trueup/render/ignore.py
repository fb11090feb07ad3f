"""Gitignore-style patterns that keep files out of a plain-YAML render.

Supported: ``*``, ``?``, ``[...]``, ``**`` (any number of directories), a leading ``/``
or an inner ``/`` to anchor a pattern to the rendered path, a trailing ``/`` to match
directories only, ``!`` to re-include, and ``#`` comments in ``.trueupignore``. As in
git, the last matching pattern wins, and a file inside an ignored directory stays ignored
(the directory is never entered).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

IGNORE_FILE = ".trueupignore"
"""The ignore file read at the root of the rendered path, if present."""


@dataclass(frozen=True, slots=True)
class _Rule:
    regex: re.Pattern[str]
    negate: bool
    dirs_only: bool


@dataclass(frozen=True, slots=True)
class IgnoreRules:
    """Compiled patterns; ``ignored("a/b.yaml", is_dir=False)`` decides one path."""

    rules: tuple[_Rule, ...] = ()

    def ignored(self, rel_path: str, is_dir: bool) -> bool:
        """Whether ``rel_path`` (POSIX, relative to the rendered path) is left out."""
        result = False
        for rule in self.rules:
            if rule.dirs_only and not is_dir:
                continue
            if rule.regex.fullmatch(rel_path):
                result = not rule.negate
        return result


def parse_ignore(lines: list[str]) -> IgnoreRules:
    """Compile gitignore-style ``lines``; blank lines and ``#`` comments are skipped."""
    rules: list[_Rule] = []
    for raw in lines:
        line = raw.rstrip("\r\n")
        if not line.strip() or line.startswith("#"):
            continue
        line = line.rstrip(" ")
        negate = line.startswith("!")
        if negate:
            line = line[1:]
        if line.startswith("\\"):
            line = line[1:]  # escaped leading '#' or '!'
        dirs_only = line.endswith("/")
        line = line.rstrip("/")
        if not line:
            continue
        anchored = "/" in line
        line = line.lstrip("/")
        body = _glob_to_regex(line)
        regex = body if anchored else f"(?:.*/)?{body}"
        rules.append(_Rule(re.compile(regex, re.DOTALL), negate, dirs_only))
    return IgnoreRules(tuple(rules))


def _glob_to_regex(glob: str) -> str:
    out: list[str] = []
    i = 0
    while i < len(glob):
        if glob.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif glob.startswith("/**", i) and i + 3 == len(glob):
            out.append("/.*")
            i += 3
        elif glob.startswith("**", i):
            out.append(".*")
            i += 2
        elif glob[i] == "*":
            out.append("[^/]*")
            i += 1
        elif glob[i] == "?":
            out.append("[^/]")
            i += 1
        elif glob[i] == "[" and (end := glob.find("]", i + 2)) != -1:
            inner = glob[i + 1 : end]
            if inner.startswith("!"):
                inner = "^" + inner[1:]
            out.append("[" + inner.replace("\\", "\\\\") + "]")
            i = end + 1
        else:
            out.append(re.escape(glob[i]))
            i += 1
    return "".join(out)

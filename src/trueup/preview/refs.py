"""A ref as the user writes it on the command line, as the Git refs it may name.

``--ref`` takes what a CI job has at hand: a branch name, a tag name or a full commit id;
``refs/heads/NAME`` and ``refs/tags/NAME`` say which one when a branch and a tag share a
name. A bare name is tried as a branch first, then as a tag.
"""

from __future__ import annotations

import re

from trueup.config import App
from trueup.engine import Engine
from trueup.errors import SourceError
from trueup.gitspec import GitRef
from trueup.source import Artifact

_COMMIT = re.compile(r"[0-9a-fA-F]{40}")


def ref_candidates(text: str) -> tuple[GitRef, ...]:
    """The refs ``text`` may name, in the order they are tried.

    Raises ``SourceError`` for a text no Git ref can be (the rules of ``GitRef``).
    """
    if _COMMIT.fullmatch(text):
        return (_ref(commit=text.lower()),)
    if text.startswith("refs/heads/"):
        return (_ref(branch=text.removeprefix("refs/heads/")),)
    if text.startswith("refs/tags/"):
        return (_ref(tag=text.removeprefix("refs/tags/")),)
    return (_ref(branch=text), _ref(tag=text))


def _ref(**kind: str) -> GitRef:
    try:
        return GitRef(**kind)
    except ValueError as e:  # pydantic's ValidationError names the rule that was broken
        ((kind_name, value),) = kind.items()
        problems = "; ".join(str(error.get("msg", "")) for error in _errors(e))
        raise SourceError(f"--ref {value[:80]!r} is not a valid {kind_name}: {problems}") from None


def _errors(error: ValueError) -> list[dict[str, object]]:
    errors = getattr(error, "errors", None)
    return list(errors()) if callable(errors) else [{"msg": str(error)}]


async def fetch_ref(engine: Engine, app: App, text: str) -> tuple[GitRef, Artifact]:
    """The ref ``text`` names in ``app``'s source (see ``ref_candidates``), and its tree.

    Raises the source's errors; when no candidate exists, the ``SourceError`` says which
    were tried.
    """
    candidates = ref_candidates(text)
    missing: list[str] = []
    for candidate in candidates:
        try:
            return candidate, await engine.fetch(app, candidate)
        except SourceError as e:
            if len(candidates) == 1:
                raise
            missing.append(str(e))
    tried = " and ".join(candidate.describe() for candidate in candidates)
    raise SourceError(
        f"{text!r} is neither a branch nor a tag of GitSource {app.spec.source} (tried {tried}: "
        f"{'; '.join(missing)}); give a branch, a tag or a full commit id"
    )

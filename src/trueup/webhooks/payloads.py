"""The one field trueup reads from a push: ``ref``, the full name of the ref pushed.

The body is untrusted even when signed: it is parsed by orjson (which refuses invalid
UTF-8 and nesting deeper than 1,024 levels, within the 1 MiB body limit) and only ``ref``
is taken, checked by the same rules as the refs of a GitSource. Everything else (commits,
files, revisions) is left unread: the refresh asks Git itself.
"""

from __future__ import annotations

import orjson

from trueup.gitspec import RefKind, ref_problem

BRANCHES = "refs/heads/"
"""Prefix of the full name of a branch."""
TAGS = "refs/tags/"
"""Prefix of the full name of a tag."""


class PayloadError(ValueError):
    """The body is not what a push must be; the message is safe to show."""


def pushed_ref(body: bytes, *, required: bool) -> str | None:
    """The ``ref`` of a push body: a JSON object; ``ref`` may be absent if not ``required``.

    Raises :class:`PayloadError` naming the problem.
    """
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError:
        raise PayloadError(
            "the body is not JSON: set the hook's content type to application/json"
        ) from None
    if not isinstance(data, dict):
        raise PayloadError("the body is not a JSON object")
    if "ref" not in data:
        if required:
            raise PayloadError("the push names no ref")
        return None
    ref = data["ref"]
    if not isinstance(ref, str):
        raise PayloadError("the ref is not a string")
    if not _is_full_ref(ref):
        raise PayloadError("the ref is not the full name of a Git ref, such as refs/heads/main")
    return ref


def _is_full_ref(ref: str) -> bool:
    try:
        ref.encode()
    except UnicodeEncodeError:  # a lone surrogate: no ref name, and unprintable
        return False
    for prefix, kind in ((BRANCHES, RefKind.BRANCH), (TAGS, RefKind.TAG)):
        if ref.startswith(prefix):
            return ref_problem(kind, ref.removeprefix(prefix)) is None
    return ref.startswith("refs/") and ref_problem(RefKind.BRANCH, ref) is None

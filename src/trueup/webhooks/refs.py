"""Which sources a push concerns: a push that cannot change what a source follows is no
reason to fetch it."""

from __future__ import annotations

from trueup.config import GitSource, LoadedConfig, Receiver
from trueup.gitspec import GitRef, RefKind
from trueup.webhooks.model import Outcome, Verdict
from trueup.webhooks.payloads import BRANCHES, TAGS


def ref_concerns(ref: GitRef, pushed_ref: str | None) -> bool:
    """Whether a push of ``pushed_ref`` (a full ref name) can change what ``ref`` names.

    A branch is changed by a push of ``refs/heads/<branch>``, a tag by a push of
    ``refs/tags/<tag>``, a semver range by a push of any tag; a pinned commit by nothing.
    A push that names no ref (``None``) concerns every ref but a commit.
    """
    if ref.kind is RefKind.COMMIT:
        return False
    if pushed_ref is None:
        return True
    if ref.kind is RefKind.BRANCH:
        return pushed_ref == BRANCHES + ref.value
    if ref.kind is RefKind.TAG:
        return pushed_ref == TAGS + ref.value
    return pushed_ref.startswith(TAGS)


def sources_to_refresh(
    config: LoadedConfig, receiver: Receiver, verdict: Verdict
) -> tuple[GitSource, ...]:
    """The sources of ``receiver`` that an ACCEPTED ``verdict`` concerns (none otherwise)."""
    if verdict.outcome is not Outcome.ACCEPTED:
        return ()
    return tuple(
        source
        for source in config.sources_of(receiver)
        if ref_concerns(source.spec.ref, verdict.ref)
    )

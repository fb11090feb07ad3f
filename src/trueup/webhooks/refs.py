"""Which sources a push concerns: a push that cannot change what a source follows is no
reason to fetch it; and which ImageRepositories a registry's notification concerns."""

from __future__ import annotations

from trueup.config import GitSource, LoadedConfig, Receiver
from trueup.config.image_repository import ImageRepository
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


def image_repositories_to_refresh(
    config: LoadedConfig, receiver: Receiver, verdict: Verdict
) -> tuple[ImageRepository, ...]:
    """The ImageRepositories of a registry ``receiver`` whose repository an ACCEPTED
    ``verdict`` reports a push to (by repository path: the host a registry sees itself
    under need not be the one trueup reaches it by)."""
    if verdict.outcome is not Outcome.ACCEPTED or not verdict.images:
        return ()
    wanted = set(receiver.spec.image_repositories)
    pushed = set(verdict.images)
    return tuple(
        repo
        for repo in config.image_repositories
        if repo.namespace == receiver.namespace
        and repo.metadata.name in wanted
        and repo.spec.image_name.repository in pushed
    )

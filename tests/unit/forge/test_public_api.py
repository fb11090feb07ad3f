"""The public names of ``trueup.forge``: what the preview and image-update writers use."""

from __future__ import annotations

import trueup.forge


def test_the_public_api_is_pinned() -> None:
    assert sorted(trueup.forge.__all__) == [
        "AddressError",
        "Comment",
        "CommentResult",
        "CommitState",
        "CommitStatus",
        "Forge",
        "ForgeError",
        "ForgeKind",
        "ForgeUnavailableError",
        "PullRequest",
        "PullRequestResult",
        "Repository",
        "declined_pull_request",
        "marked",
        "marker",
        "open_forge",
        "repository_of",
        "upsert_comment",
        "upsert_pull_request",
    ]
    for name in trueup.forge.__all__:
        assert getattr(trueup.forge, name).__doc__, f"{name} has no docstring"

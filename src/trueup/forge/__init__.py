"""Forges' REST APIs (GitHub, GitLab, Gitea): commit statuses, pull-request comments and
pull requests, behind one interface.

Usage, from a coroutine::

    repository = repository_of(ForgeKind.GITHUB, "https://github.com/org/deploy")
    forge = open_forge(repository, token)
    try:
        result = await upsert_comment(forge, head="feature", key="preview", body=markdown)
    finally:
        await forge.aclose()

:func:`open_forge` returns a :class:`Forge` for one repository; its calls raise
:class:`~trueup.errors.ForgeError` (permanent) or
:class:`~trueup.errors.ForgeUnavailableError` (worth retrying). The token goes into one
header and nowhere else: never into a message, and never after a redirect.
"""

from __future__ import annotations

import ssl
from typing import TYPE_CHECKING

from trueup.errors import ForgeError, ForgeUnavailableError
from trueup.forge.address import AddressError, repository_of
from trueup.forge.client import Forge
from trueup.forge.model import (
    Comment,
    CommitState,
    CommitStatus,
    ForgeKind,
    PullRequest,
    Repository,
)
from trueup.forge.upsert import (
    CommentResult,
    PullRequestResult,
    declined_pull_request,
    marked,
    marker,
    upsert_comment,
    upsert_pull_request,
)

__all__ = [
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

if TYPE_CHECKING:
    import httpx


def open_forge(
    repository: Repository,
    token: str,
    *,
    timeout: float = 10.0,
    verify: ssl.SSLContext | bool = True,
    transport: httpx.AsyncBaseTransport | None = None,
) -> Forge:
    """A client for ``repository`` that authenticates with ``token``; every request ends
    within ``timeout`` seconds per phase. ``verify`` is an SSL context for a forge with a
    private CA; ``transport`` replaces the network (tests). Close it with ``aclose()``."""
    # The clients (and httpx) load on first use: the configuration imports this package
    # for forge addresses, and commands that only read the configuration stay light.
    from trueup.forge.gitea import Gitea
    from trueup.forge.github import GitHub
    from trueup.forge.gitlab import GitLab

    if not token:
        raise ForgeError(f"{repository}: no token: a forge's API needs one to write")
    clients: dict[ForgeKind, type[GitHub] | type[GitLab] | type[Gitea]] = {
        ForgeKind.GITHUB: GitHub,
        ForgeKind.GITLAB: GitLab,
        ForgeKind.GITEA: Gitea,
    }
    client: Forge = clients[repository.kind](
        repository, token, timeout=timeout, verify=verify, transport=transport
    )
    return client

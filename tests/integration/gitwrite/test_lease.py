"""Branches trueup owns are replaced with ``--force-with-lease`` only while they are where
trueup left them; the followed branch is never forced."""

from __future__ import annotations

import pytest

from tests.integration.gitwrite.helpers import bare_git, head, over_https, show, writes
from tests.servers.fixtures import ServedRepo
from tests.servers.git_http import GitHttpServer
from trueup.errors import PushConflictError, SourceError
from trueup.gitwrite import WriteRequest, write

pytestmark = pytest.mark.anyio

OWNED = "trueup/update-app"


def owned(message: str, replicas: int, expected: str | None) -> WriteRequest:
    edit = writes({"app/config.yaml": f"replicas: {replicas}\n"})
    return WriteRequest(OWNED, message, edit, force_with_lease=True, base="main", expected=expected)


async def test_an_owned_branch_is_created_then_replaced_while_the_lease_holds(
    git_https: GitHttpServer, git_repo: ServedRepo
) -> None:
    writable = over_https(git_https, git_repo)
    first = await write(writable, owned("update 1", 2, expected=None))
    assert first.pushed
    assert first.parent == head(git_repo.bare)
    assert head(git_repo.bare, OWNED) == first.commit

    # main moves on; the update is rebuilt on the new main and replaces the old one
    main = git_repo.commit_and_push("more on main", {"app/other.yaml": "x: 1\n"})
    second = await write(writable, owned("update 2", 3, expected=first.commit))
    assert second.pushed
    assert second.parent == main
    assert head(git_repo.bare, OWNED) == second.commit
    assert show(git_repo.bare, "app/config.yaml", OWNED) == "replicas: 3"
    assert bare_git(git_repo.bare, "log", "--format=%s", OWNED).splitlines() == [
        "update 2",
        "more on main",
        "initial commit",
    ]
    assert head(git_repo.bare) == main  # main itself untouched


async def test_a_stale_lease_is_refused_and_the_branch_left_alone(
    git_https: GitHttpServer, git_repo: ServedRepo
) -> None:
    writable = over_https(git_https, git_repo)
    first = await write(writable, owned("update 1", 2, expected=None))
    second = await write(writable, owned("update 2", 3, expected=first.commit))
    with pytest.raises(PushConflictError, match="no longer at"):
        await write(writable, owned("update 3", 4, expected=first.commit))
    with pytest.raises(PushConflictError, match="no longer at absent"):
        await write(writable, owned("update 3", 4, expected=None))
    assert head(git_repo.bare, OWNED) == second.commit


async def test_the_followed_branch_is_never_forced(
    git_https: GitHttpServer, git_repo: ServedRepo
) -> None:
    before = head(git_repo.bare)
    request = WriteRequest(
        "main", "m", writes({"a": "b"}), force_with_lease=True, base="main", expected=before
    )
    with pytest.raises(SourceError, match="refusing to force-push to 'main'"):
        await write(over_https(git_https, git_repo), request)
    assert head(git_repo.bare) == before
    assert git_https.requests == []

"""Requests and repositories the writer refuses before any git command runs."""

from __future__ import annotations

from pathlib import Path

import pytest

from trueup.errors import SourceError
from trueup.gitwrite import (
    Author,
    SigningKey,
    SigningMode,
    WritableRepository,
    WriteRequest,
    write,
)
from trueup.source import GitAuth, GitRef, GitRepository

pytestmark = pytest.mark.anyio


async def never(_: Path) -> bool:
    raise AssertionError("the edit must not run for a refused request")


def repository(tmp_path: Path, **kwargs: object) -> WritableRepository:
    # The path does not exist: nothing may get as far as running git on it.
    repo = GitRepository(str(tmp_path / "missing.git"), GitRef(branch="main"))
    return WritableRepository(repo, **kwargs)  # type: ignore[arg-type]


async def test_force_with_lease_on_the_followed_branch_is_refused(tmp_path: Path) -> None:
    request = WriteRequest("main", "m", never, force_with_lease=True, base="main")
    with pytest.raises(SourceError, match="refusing to force-push to 'main'"):
        await write(repository(tmp_path), request)


@pytest.mark.parametrize("branch", ["", "a..b", "-rf", "x y", "HEAD~1", "refs/heads/../x"])
async def test_branch_names_git_would_refuse_are_refused(tmp_path: Path, branch: str) -> None:
    with pytest.raises(SourceError, match="cannot write to branch"):
        await write(repository(tmp_path), WriteRequest(branch, "m", never))


async def test_a_lease_must_be_a_commit_id(tmp_path: Path) -> None:
    request = WriteRequest("trueup/x", "m", never, force_with_lease=True, expected="main")
    with pytest.raises(SourceError, match="must be a full commit id"):
        await write(repository(tmp_path), request)


async def test_credentials_over_plain_http_are_refused() -> None:
    repo = GitRepository(
        "http://127.0.0.1:9/r.git", GitRef(branch="main"), auth=GitAuth(token="abcdefgh")
    )
    with pytest.raises(SourceError, match="only sent over https") as caught:
        await write(WritableRepository(repo), WriteRequest("main", "m", never))
    assert "abcdefgh" not in str(caught.value)


def test_shapes_are_checked_when_made(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="must not be empty"):
        WriteRequest("main", "  \n", never)
    with pytest.raises(SourceError, match="only for a force-with-lease"):
        WriteRequest("main", "m", never, expected="a" * 40)
    with pytest.raises(SourceError, match="between 0 and 10"):
        repository(tmp_path, retries=11)
    with pytest.raises(SourceError, match="author's email"):
        Author("trueup", "a>b")
    with pytest.raises(SourceError, match="ASCII-armored secret key"):
        SigningKey(SigningMode.GPG, "-----BEGIN PGP PUBLIC KEY BLOCK-----")
    assert "secret" not in repr(SigningKey(SigningMode.SSH, "PRIVATE KEY secret"))


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("", "it is empty"),
        ("x" * 201, "longer than 200 characters"),
        ("Bot\nCommitter: someone", "'<', '>' or a line break"),
    ],
)
def test_an_author_is_held_to_the_rule_the_configuration_checks(name: str, problem: str) -> None:
    # The same rule as spec.write.author: what loads from a file can be written, and what
    # code builds by hand cannot slip past it.
    with pytest.raises(SourceError, match=problem):
        Author(name, "bot@example.test")
    assert Author("x" * 200, "bot@example.test").name == "x" * 200

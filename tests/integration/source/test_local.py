"""Local repositories (absolute paths and file://), only where the operator allows them."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.servers.fixtures import ServedRepo
from trueup.errors import SourceError
from trueup.source import GitFetcher, GitRef, GitRepository

pytestmark = pytest.mark.anyio


async def test_a_local_path_and_a_file_url_share_one_cache(
    git_repo: ServedRepo, tmp_path: Path
) -> None:
    fetcher = GitFetcher(tmp_path / "cache")
    by_path = await fetcher.fetch(GitRepository(git_repo.path_url, GitRef(branch="main")))
    by_url = await fetcher.fetch(GitRepository(f"file://{git_repo.bare}", GitRef(branch="main")))
    assert by_path.commit == by_url.commit == git_repo.work.head()
    assert by_path.root == by_url.root


async def test_local_repositories_are_refused_when_not_allowed(
    git_repo: ServedRepo, tmp_path: Path
) -> None:
    fetcher = GitFetcher(tmp_path / "cache", allow_file=False)
    for url in (git_repo.path_url, f"file://{git_repo.bare}"):
        with pytest.raises(SourceError, match="does not allow"):
            await fetcher.fetch(GitRepository(url, GitRef(branch="main")))

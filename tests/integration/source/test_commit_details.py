"""A fetch reports its commit's author, subject and time, read from git once per commit."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.servers.fixtures import ServedRepo
from tests.servers.gitrepo import git
from trueup.gitspec import Commit
from trueup.source import GitFetcher, GitRef, GitRepository

pytestmark = pytest.mark.anyio

WHEN = datetime(2026, 11, 30, 9, 15, 42, tzinfo=UTC)


def commit_as(repo: ServedRepo, message: str, *, name: str, email: str) -> str:
    """Commit on ``main`` as ``name <email>`` at :data:`WHEN`, push it, return its id."""
    repo.work.write({"app/config.yaml": f"# {message}\n"})
    git(["add", "--all"], cwd=repo.work.path)
    stamp = f"{int(WHEN.timestamp())} +0100"
    identity = {
        "GIT_AUTHOR_NAME": name,
        "GIT_AUTHOR_EMAIL": email,
        "GIT_AUTHOR_DATE": stamp,
        "GIT_COMMITTER_DATE": stamp,
    }
    git(["commit", "--quiet", "-m", message], cwd=repo.work.path, env=identity)
    repo.push()
    return repo.work.head()


async def test_a_fetch_reports_the_commit_s_author_subject_and_committer_time(
    git_repo: ServedRepo, tmp_path: Path
) -> None:
    message = "Scale web to 3 replicas\n\nThe body is not the subject."
    sha = commit_as(git_repo, message, name="Ana Lima", email="ana@example.com")
    fetcher = GitFetcher(tmp_path / "cache")

    artifact = await fetcher.fetch(GitRepository(git_repo.path_url, GitRef(branch="main")))

    assert artifact.details == Commit(
        sha, "Ana Lima", "ana@example.com", "Scale web to 3 replicas", WHEN
    )


async def test_the_same_revision_is_described_once_and_a_new_one_once_more(
    git_repo: ServedRepo, tmp_path: Path
) -> None:
    fetcher = GitFetcher(tmp_path / "cache")
    repo = GitRepository(git_repo.path_url, GitRef(branch="main"))

    first = await fetcher.fetch(repo)
    again = await fetcher.fetch(repo)
    assert again.details == first.details is not None
    assert fetcher.commits.reads == 1, "an unchanged revision must not run git again"

    sha = commit_as(git_repo, "Second change", name="Bo Chen", email="bo@example.com")
    moved = await fetcher.fetch(repo)
    assert moved.details is not None
    assert (moved.details.sha, moved.details.author, moved.details.subject) == (
        sha,
        "Bo Chen",
        "Second change",
    )
    assert fetcher.commits.reads == 2


async def test_a_pinned_commit_and_a_tag_are_described_too(
    git_repo: ServedRepo, tmp_path: Path
) -> None:
    sha = commit_as(git_repo, "Release 1.2.0", name="Cy Dee", email="cy@example.com")
    git_repo.work.tag("v1.2.0", annotated=True)
    git_repo.push()
    fetcher = GitFetcher(tmp_path / "cache")

    pinned = await fetcher.fetch(GitRepository(git_repo.path_url, GitRef(commit=sha)))
    tagged = await fetcher.fetch(GitRepository(git_repo.path_url, GitRef(semver=">=1.0.0")))

    for artifact in (pinned, tagged):
        assert artifact.details is not None
        assert (artifact.details.sha, artifact.details.author) == (sha, "Cy Dee")

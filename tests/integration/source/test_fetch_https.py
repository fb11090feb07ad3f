"""Fetching over smart HTTPS with credentials: refs, shallow cache, reuse, concurrency."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from tests.integration.source.helpers import (
    BASIC,
    bare_repositories,
    checkouts,
    is_shallow,
    over_https,
)
from tests.servers.fixtures import HTTP_TOKEN, HTTP_USER, ServedRepo
from tests.servers.git_http import GitHttpServer
from trueup.errors import SourceError
from trueup.source import GitAuth, GitFetcher, GitRef, GitRepository

pytestmark = pytest.mark.anyio


async def test_basic_credentials_fetch_the_branch_tip(
    git_https: GitHttpServer, git_repo: ServedRepo, tmp_path: Path
) -> None:
    artifact = await GitFetcher(tmp_path).fetch(over_https(git_https, git_repo))
    head = git_repo.work.head()
    assert artifact.commit == head
    assert artifact.revision == f"main@sha1:{head}"
    assert (artifact.root / "app/config.yaml").read_text() == "replicas: 1\n"
    assert {r.user for r in git_https.requests} == {HTTP_USER}


async def test_a_bearer_token_fetches_the_branch_tip(
    git_https: GitHttpServer, git_repo: ServedRepo, tmp_path: Path
) -> None:
    source = over_https(git_https, git_repo, auth=GitAuth(token=HTTP_TOKEN))
    artifact = await GitFetcher(tmp_path).fetch(source)
    assert artifact.commit == git_repo.work.head()
    assert {r.user for r in git_https.requests} == {"token"}


async def test_a_wrong_password_is_a_source_error(
    git_https: GitHttpServer, git_repo: ServedRepo, tmp_path: Path
) -> None:
    source = over_https(git_https, git_repo, auth=GitAuth(username=HTTP_USER, password="nope"))
    with pytest.raises(SourceError, match="credentials"):
        await GitFetcher(tmp_path).fetch(source)


async def test_tags_semver_ranges_and_commits_resolve_to_their_commits(
    git_https: GitHttpServer, git_repo: ServedRepo, tmp_path: Path
) -> None:
    first = git_repo.work.head()
    git_repo.work.tag("v1.0.0")
    second = git_repo.work.commit("second", {"app/config.yaml": "replicas: 2\n"})
    git_repo.work.tag("v1.2.0", annotated=True)
    git_repo.work.tag("v2.0.0-rc.1")
    git_repo.work.tag("not-a-version")
    git_repo.push()
    fetcher = GitFetcher(tmp_path)
    cases = [
        (GitRef(tag="v1.0.0"), f"v1.0.0@sha1:{first}"),
        (GitRef(tag="v1.2.0"), f"v1.2.0@sha1:{second}"),
        (GitRef(semver=">=1.0.0 <2.0.0"), f"v1.2.0@sha1:{second}"),
        (GitRef(semver="~1.0"), f"v1.0.0@sha1:{first}"),
        (GitRef(semver=">=1.0.0-0"), f"v2.0.0-rc.1@sha1:{second}"),
        (GitRef(commit=first), f"sha1:{first}"),
    ]
    for ref, revision in cases:
        artifact = await fetcher.fetch(over_https(git_https, git_repo, ref))
        assert artifact.revision == revision, ref
    assert (await fetcher.fetch(over_https(git_https, git_repo, GitRef(commit=first)))).root == (
        await fetcher.fetch(over_https(git_https, git_repo, GitRef(tag="v1.0.0")))
    ).root


async def test_a_pinned_commit_is_fetched_into_an_empty_cache(
    git_https: GitHttpServer, git_repo: ServedRepo, tmp_path: Path
) -> None:
    first = git_repo.work.head()
    git_repo.commit_and_push("later", {"app/config.yaml": "replicas: 3\n"})
    artifact = await GitFetcher(tmp_path).fetch(
        over_https(git_https, git_repo, GitRef(commit=first.upper()))
    )
    assert artifact.commit == first
    assert (artifact.root / "app/config.yaml").read_text() == "replicas: 1\n"


async def test_an_unknown_branch_is_a_source_error_naming_it(
    git_https: GitHttpServer, git_repo: ServedRepo, tmp_path: Path
) -> None:
    with pytest.raises(SourceError, match="branch nope does not exist"):
        await GitFetcher(tmp_path).fetch(over_https(git_https, git_repo, GitRef(branch="nope")))


async def test_the_cached_repository_is_shallow(
    git_https: GitHttpServer, git_repo: ServedRepo, tmp_path: Path
) -> None:
    git_repo.commit_and_push("second", {"b.yaml": "b: 1\n"})
    await GitFetcher(tmp_path).fetch(over_https(git_https, git_repo))
    [bare] = bare_repositories(tmp_path)
    assert is_shallow(bare)


async def test_an_unchanged_repository_reuses_the_checkout_and_a_new_commit_gets_a_new_one(
    git_https: GitHttpServer, git_repo: ServedRepo, tmp_path: Path
) -> None:
    fetcher = GitFetcher(tmp_path)
    first = await fetcher.fetch(over_https(git_https, git_repo))
    inode = first.root.stat().st_ino
    [bare] = bare_repositories(tmp_path)
    fetched_at = (bare / "FETCH_HEAD").stat().st_mtime_ns
    again = await GitFetcher(tmp_path).fetch(over_https(git_https, git_repo))  # a new run
    assert again == first
    assert again.root.stat().st_ino == inode
    assert checkouts(tmp_path) == [first.root]
    assert (bare / "FETCH_HEAD").stat().st_mtime_ns == fetched_at  # listed refs, fetched nothing

    new = git_repo.commit_and_push("second", {"app/config.yaml": "replicas: 2\n"})
    latest = await fetcher.fetch(over_https(git_https, git_repo))
    assert latest.revision == f"main@sha1:{new}"
    assert (latest.root / "app/config.yaml").read_text() == "replicas: 2\n"
    assert (first.root / "app/config.yaml").read_text() == "replicas: 1\n"


async def test_concurrent_fetches_of_one_repository_share_one_checkout(
    git_https: GitHttpServer, git_repo: ServedRepo, tmp_path: Path
) -> None:
    one, other = GitFetcher(tmp_path), GitFetcher(tmp_path)  # two fetchers: the file lock
    source = over_https(git_https, git_repo)
    results = await asyncio.gather(
        one.fetch(source), one.fetch(source), other.fetch(source), other.fetch(source)
    )
    assert len(set(results)) == 1
    assert checkouts(tmp_path) == [results[0].root]
    assert len(bare_repositories(tmp_path)) == 1


async def test_plain_http_without_credentials_is_accepted_for_loopback(
    git_http: GitHttpServer, git_repo: ServedRepo, tmp_path: Path
) -> None:
    source = GitRepository(git_http.url(git_repo.name), GitRef(branch="main"))
    artifact = await GitFetcher(tmp_path).fetch(source)
    assert artifact.commit == git_repo.work.head()


async def test_credentials_over_plain_http_are_refused_before_any_request(
    git_http: GitHttpServer, git_repo: ServedRepo, tmp_path: Path
) -> None:
    source = GitRepository(git_http.url(git_repo.name), GitRef(branch="main"), auth=BASIC)
    with pytest.raises(SourceError, match="only sent over https"):
        await GitFetcher(tmp_path).fetch(source)
    assert git_http.requests == []

"""The in-memory source resolves refs like a fetch does, and refuses what a fetch refuses."""

from __future__ import annotations

from pathlib import Path

import pytest

from trueup.errors import SourceError, SourceUnavailableError
from trueup.source import GitRef, GitRepository, MemorySource, Source

pytestmark = pytest.mark.anyio

URL = "https://git.example.test/shop.git"


def repo(**ref: str) -> GitRepository:
    """The repository at URL, following ``ref``."""
    return GitRepository(URL, GitRef(**ref))


async def test_a_branch_resolves_to_its_newest_commit_and_its_tree_is_checked_out(
    tmp_path: Path,
) -> None:
    memory = MemorySource(tmp_path)
    source: Source = memory  # the engine sees only the protocol
    memory.commit(URL, {"app/cm.yaml": "old"})
    newest = memory.commit(URL, {"app/cm.yaml": "new", "README.md": b"bytes"})

    artifact = await source.fetch(repo(branch="main"))

    assert artifact.commit == newest
    assert artifact.revision == f"main@sha1:{newest}"
    assert (artifact.root / "app" / "cm.yaml").read_text() == "new"
    assert (artifact.root / "README.md").read_bytes() == b"bytes"


async def test_tags_semver_ranges_and_pinned_commits_resolve_as_git_would(tmp_path: Path) -> None:
    source = MemorySource(tmp_path)
    first = source.commit(URL, {"f": "1"})
    second = source.commit(URL, {"f": "2"})
    source.tag(URL, "v1.0.0", first)
    source.tag(URL, "v1.1.0", second)
    source.tag(URL, "v2.0.0-rc.1", second)

    tagged = await source.fetch(repo(tag="v1.0.0"))
    ranged = await source.fetch(repo(semver="^1"))
    pinned = await source.fetch(repo(commit=first.upper()))

    assert tagged.revision == f"v1.0.0@sha1:{first}"
    assert ranged.revision == f"v1.1.0@sha1:{second}"
    assert pinned.revision == f"sha1:{first}"
    assert (pinned.root / "f").read_text() == "1"


async def test_a_missing_ref_or_repository_is_a_source_error(tmp_path: Path) -> None:
    source = MemorySource(tmp_path)
    source.commit(URL, {"f": "1"})

    with pytest.raises(SourceError, match="branch release does not exist"):
        await source.fetch(repo(branch="release"))
    with pytest.raises(SourceError, match=r"no tag .* matches"):
        await source.fetch(repo(semver=">=3"))
    with pytest.raises(SourceError, match="not found"):
        await source.fetch(
            GitRepository("https://git.example.test/other.git", GitRef(branch="main"))
        )


async def test_a_url_a_fetch_would_refuse_is_refused_before_anything_else(tmp_path: Path) -> None:
    source = MemorySource(tmp_path)

    with pytest.raises(SourceError, match="plain http"):
        await source.fetch(GitRepository("http://git.example.test/shop.git", GitRef(branch="main")))
    assert len(source.fetches) == 1


async def test_an_injected_failure_hits_every_fetch_until_healed(tmp_path: Path) -> None:
    source = MemorySource(tmp_path)
    commit = source.commit(URL, {"f": "1"})
    source.fail(URL, SourceUnavailableError("the Git server answered 503"))

    with pytest.raises(SourceUnavailableError, match="503"):
        await source.fetch(repo(branch="main"))
    source.fail(URL, None)

    assert (await source.fetch(repo(branch="main"))).commit == commit


def test_a_tree_path_that_leaves_the_checkout_is_refused(tmp_path: Path) -> None:
    source = MemorySource(tmp_path)
    for path in ("../escape.yaml", "/etc/passwd"):
        with pytest.raises(ValueError, match="relative"):
            source.commit(URL, {path: "x"})

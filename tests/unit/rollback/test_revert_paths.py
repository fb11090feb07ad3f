"""Which paths a revert restores, which other Apps they touch, and the revert's edit of a
work tree (directories made equal, files added since deleted, ``.git`` left alone)."""

from __future__ import annotations

from pathlib import Path

import pytest

from trueup.errors import SourceError
from trueup.rollback.readset import affected_apps, overlaps, restored_paths
from trueup.rollback.restore import restorer

pytestmark = pytest.mark.anyio


def test_restored_paths_join_then_and_now_and_drop_nested_ones() -> None:
    then = {"apps/shop", "./base/", "charts/web/values.yaml"}
    now = {"apps/shop/extra.yaml", "base", "apps/new.yaml"}

    assert restored_paths(then, now) == (
        "apps/new.yaml",
        "apps/shop",
        "base",
        "charts/web/values.yaml",
    )


def test_the_whole_repository_swallows_every_other_path() -> None:
    assert restored_paths({"."}, {"apps/shop", "base"}) == (".",)


def test_overlap_goes_both_ways_but_not_across_similar_names() -> None:
    assert overlaps({"base"}, {"base/deployment.yaml"})
    assert overlaps({"base/deployment.yaml"}, {"base"})
    assert not overlaps({"base-old"}, {"base"})
    assert overlaps({"apps/x"}, {"."})


def test_affected_apps_are_the_others_reading_a_restored_path() -> None:
    reads = {
        "shop": {"apps/shop", "base"},
        "blog": {"apps/blog", "base"},
        "docs": {"apps/docs"},
    }

    assert affected_apps(reads, ("apps/shop", "base"), besides="shop") == ("blog",)
    assert affected_apps(reads, ("apps/shop",), besides="shop") == ()


def _tree(root: Path, files: dict[str, str]) -> Path:
    for name, content in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(content)
    return root


def _files(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): p.read_text()
        for p in sorted(root.rglob("*"))
        if p.is_file() and ".git" not in p.relative_to(root).parts
    }


async def test_a_directory_becomes_equal_and_files_added_since_go(tmp_path: Path) -> None:
    then = _tree(tmp_path / "then", {"base/a.yaml": "old a", "base/sub/b.yaml": "old b"})
    work = _tree(
        tmp_path / "work",
        {
            "base/a.yaml": "new a",
            "base/added.yaml": "added since",
            "base/sub/b.yaml": "old b",
            "other/keep.yaml": "untouched",
        },
    )

    changed = await restorer(then, ("base",))(work)

    assert changed
    assert _files(work) == {
        "base/a.yaml": "old a",
        "base/sub/b.yaml": "old b",
        "other/keep.yaml": "untouched",
    }


async def test_a_file_is_restored_or_deleted(tmp_path: Path) -> None:
    then = _tree(tmp_path / "then", {"values.yaml": "replicas: 1"})
    work = _tree(tmp_path / "work", {"values.yaml": "replicas: 5", "new.yaml": "x"})

    assert await restorer(then, ("values.yaml", "new.yaml"))(work)

    assert _files(work) == {"values.yaml": "replicas: 1"}


async def test_an_edit_that_finds_everything_restored_says_so(tmp_path: Path) -> None:
    then = _tree(tmp_path / "then", {"base/a.yaml": "a"})
    work = _tree(tmp_path / "work", {"base/a.yaml": "b"})
    edit = restorer(then, ("base",))

    assert await edit(work)
    assert not await edit(work)  # run again on the same head (a retried push): no change


async def test_the_whole_repository_is_restored_but_git_s_own_folder(tmp_path: Path) -> None:
    then = _tree(tmp_path / "then", {"a.yaml": "old"})
    work = _tree(tmp_path / "work", {"a.yaml": "new", "b.yaml": "added", ".git/HEAD": "ref"})

    assert await restorer(then, (".",))(work)

    assert _files(work) == {"a.yaml": "old"}
    assert (work / ".git" / "HEAD").read_text() == "ref"


async def test_a_path_through_a_symbolic_link_is_refused(tmp_path: Path) -> None:
    outside = _tree(tmp_path / "outside", {"file.yaml": "not the repository's"})
    then = _tree(tmp_path / "then", {"base/file.yaml": "old"})
    work = tmp_path / "work"
    work.mkdir()
    (work / "base").symlink_to(outside)

    with pytest.raises(SourceError, match="base is a symbolic link"):
        await restorer(then, ("base/file.yaml",))(work)

    assert (outside / "file.yaml").read_text() == "not the repository's"

"""Path safety: unsafe render paths and symlinks are refused before anything behind them is read."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from trueup.errors import RenderError
from trueup.render import RenderOptions, render

CONFIG_MAP = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: %s}\n"
SECRET_TEXT = (
    "apiVersion: v1\nkind: Secret\nmetadata: {name: stolen}\nstringData: {key: CANARY-1234}\n"
)


def make_repo(tmp_path: Path) -> tuple[Path, Path]:
    """A repository and, beside it, a directory outside it holding a secret manifest."""
    repo = tmp_path / "repo"
    outside = tmp_path / "outside"
    (repo / "apps").mkdir(parents=True)
    outside.mkdir()
    (repo / "apps" / "ok.yaml").write_text(CONFIG_MAP % "ok")
    (outside / "secret.yaml").write_text(SECRET_TEXT)
    return repo, outside


@pytest.mark.parametrize(
    ("path", "fragment"),
    [
        ("../outside", "contains '..'"),
        ("apps/../../outside", "contains '..'"),
        ("apps/..", "contains '..'"),
        ("/etc", "is absolute"),
        ("/", "is absolute"),
        ("apps\x00x", "NUL"),
    ],
)
def test_unsafe_render_paths_are_refused_before_any_read(path: str, fragment: str) -> None:
    missing_root = Path("/nonexistent/trueup-render-root")  # any read would fail differently
    with pytest.raises(RenderError) as caught:
        render(missing_root, path, RenderOptions())
    assert fragment in str(caught.value)
    if "\x00" not in path:
        assert repr(path) in str(caught.value)


def test_a_file_symlink_leaving_the_repository_is_refused_without_showing_content(
    tmp_path: Path,
) -> None:
    repo, outside = make_repo(tmp_path)
    (repo / "apps" / "link.yaml").symlink_to(outside / "secret.yaml")
    with pytest.raises(RenderError) as caught:
        render(repo, "apps", RenderOptions())
    assert "apps/link.yaml" in str(caught.value)
    assert "outside the repository" in str(caught.value)
    assert "CANARY" not in str(caught.value)


def test_a_relative_symlink_climbing_out_of_the_repository_is_refused(tmp_path: Path) -> None:
    repo, _outside = make_repo(tmp_path)
    (repo / "apps" / "up").symlink_to("../../outside")
    with pytest.raises(RenderError, match=r"apps/up points outside the repository"):
        render(repo, "apps", RenderOptions())


def test_a_render_path_that_is_a_symlink_out_of_the_repository_is_refused(tmp_path: Path) -> None:
    repo, outside = make_repo(tmp_path)
    (repo / "elsewhere").symlink_to(outside)
    with pytest.raises(RenderError, match=r"'elsewhere'.*outside the repository"):
        render(repo, "elsewhere", RenderOptions())


def test_symlinks_that_stay_inside_the_repository_are_followed(tmp_path: Path) -> None:
    repo, _outside = make_repo(tmp_path)
    (repo / "shared").mkdir()
    (repo / "shared" / "cm.yaml").write_text(CONFIG_MAP % "shared")
    (repo / "apps" / "shared").symlink_to("../shared")
    (repo / "apps" / "absolute.yaml").symlink_to(repo / "shared" / "cm.yaml")
    (repo / "apps" / "renamed.yaml").symlink_to("ok.yaml")
    with pytest.raises(RenderError, match="declared twice"):
        render(repo, "apps", RenderOptions())  # absolute.yaml and shared/cm.yaml are one object
    (repo / "apps" / "absolute.yaml").unlink()
    (repo / "apps" / "renamed.yaml").unlink()
    rendered = render(repo, "apps", RenderOptions())
    assert [o["metadata"]["name"] for o in rendered.objects] == ["ok", "shared"]
    assert [str(o) for o in rendered.origins.values()] == [
        "apps/ok.yaml:1",
        "apps/shared/cm.yaml:1",
    ]


def test_a_symlink_loop_is_refused_without_hanging(tmp_path: Path) -> None:
    repo, _outside = make_repo(tmp_path)
    (repo / "apps" / "a.yaml").symlink_to("b.yaml")
    (repo / "apps" / "b.yaml").symlink_to("a.yaml")
    with pytest.raises(RenderError, match="symlink loop"):
        render(repo, "apps", RenderOptions())


def test_an_over_deep_symlink_chain_is_refused(tmp_path: Path) -> None:
    repo, _outside = make_repo(tmp_path)
    (repo / "apps" / "link0.yaml").symlink_to("ok.yaml")
    for i in range(1, 30):
        (repo / "apps" / f"link{i}.yaml").symlink_to(f"link{i - 1}.yaml")
    with pytest.raises(RenderError, match="chain of more than 20 symlinks"):
        render(repo, "apps/link29.yaml", RenderOptions())


def test_a_directory_symlink_to_its_own_ancestor_is_refused_as_a_loop(tmp_path: Path) -> None:
    repo, _outside = make_repo(tmp_path)
    (repo / "apps" / "sub").mkdir()
    (repo / "apps" / "sub" / "back").symlink_to("..")
    with pytest.raises(RenderError, match=r"apps/sub/back .*\(a loop\)"):
        render(repo, "apps", RenderOptions())


def test_a_web_of_directory_links_is_refused_rather_than_walked_again(tmp_path: Path) -> None:
    repo, _outside = make_repo(tmp_path)
    for level in range(30):
        (repo / f"l{level}").mkdir()
        if level:
            for j in range(10):  # 10**29 paths if every link were walked
                (repo / f"l{level}" / f"to{j}").symlink_to(f"../l{level - 1}")
    with pytest.raises(RenderError, match="rendered already"):
        render(repo, "l29", RenderOptions())


def test_a_fifo_named_like_a_manifest_is_refused_without_blocking(tmp_path: Path) -> None:
    repo, _outside = make_repo(tmp_path)
    os.mkfifo(repo / "apps" / "pipe.yaml")
    with pytest.raises(RenderError, match=r"apps/pipe\.yaml is not a regular file"):
        render(repo, "apps/pipe.yaml", RenderOptions())

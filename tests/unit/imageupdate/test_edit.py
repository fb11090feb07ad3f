"""Applying markers to a work tree: only files under the path, no links followed, files a
pending revert holds left alone, and a diff of exactly the marked lines."""

from __future__ import annotations

from pathlib import Path

from trueup.images import LatestImage, PolicyName, ProblemKind
from trueup.imageupdate import apply_markers

APP = PolicyName("default", "app")
SELECTED: dict[PolicyName, LatestImage | None] = {APP: LatestImage("r.example.test/app", "1.2.0")}
MARKED = 'image: r.example.test/app:1.0.0 # {"$imagepolicy": "default:app"}\n'


def tree(tmp_path: Path, files: dict[str, str]) -> Path:
    root = tmp_path / "tree"
    for name, content in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(content)
    return root


def test_only_yaml_files_under_the_path_change_and_the_diff_shows_them(tmp_path: Path) -> None:
    root = tree(
        tmp_path,
        {
            "apps/a.yaml": "# a comment\n" + MARKED + "other: [1, 2]   # kept\n",
            "apps/sub/b.yml": MARKED,
            "apps/notes.txt": MARKED,
            "elsewhere/c.yaml": MARKED,
        },
    )
    edited = apply_markers(root, "apps", SELECTED)
    assert edited.files == ("apps/a.yaml", "apps/sub/b.yml")
    assert (root / "apps/a.yaml").read_text() == (
        '# a comment\nimage: r.example.test/app:1.2.0 # {"$imagepolicy": "default:app"}\n'
        "other: [1, 2]   # kept\n"
    )
    assert (root / "apps/notes.txt").read_text() == MARKED
    assert (root / "elsewhere/c.yaml").read_text() == MARKED
    changed = [
        line
        for line in edited.diff.splitlines()
        if line[:1] in "+-" and line[:3] not in ("+++", "---")
    ]
    assert (
        changed
        == [
            "-" + MARKED.rstrip("\n"),
            "+" + MARKED.rstrip("\n").replace("1.0.0", "1.2.0"),
        ]
        * 2
    )


def test_a_dry_run_writes_nothing(tmp_path: Path) -> None:
    root = tree(tmp_path, {"apps/a.yaml": MARKED})
    edited = apply_markers(root, ".", SELECTED, write=False)
    assert len(edited.changes) == 1
    assert (root / "apps/a.yaml").read_text() == MARKED


def test_symbolic_links_are_never_followed(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "victim.yaml").write_text(MARKED)
    root = tree(tmp_path, {"apps/a.yaml": MARKED})
    (root / "apps/link.yaml").symlink_to(outside / "victim.yaml")
    (root / "apps/dir").symlink_to(outside)
    (root / "escape").symlink_to(outside)

    assert apply_markers(root, "escape", SELECTED).changes == ()
    edited = apply_markers(root, "apps", SELECTED)

    assert edited.files == ("apps/a.yaml",)
    assert (outside / "victim.yaml").read_text() == MARKED


def test_held_files_are_left_alone_and_named(tmp_path: Path) -> None:
    root = tree(tmp_path, {"apps/a.yaml": MARKED, "apps/b.yaml": MARKED, "apps/c.yaml": "x: 1\n"})
    edited = apply_markers(root, "apps", SELECTED, held=lambda f: f != "apps/b.yaml")
    assert edited.held == ("apps/a.yaml",)  # c.yaml has no marker: nothing to hold
    assert edited.files == ("apps/b.yaml",)
    assert (root / "apps/a.yaml").read_text() == MARKED


def test_unknown_policies_are_problems_and_their_files_stay(tmp_path: Path) -> None:
    root = tree(tmp_path, {"apps/a.yaml": MARKED.replace("default:app", "default:nope")})
    edited = apply_markers(root, "apps", SELECTED)
    [problem] = edited.problems
    assert problem.kind is ProblemKind.UNKNOWN_POLICY
    assert edited.changes == ()


def test_a_missing_path_changes_nothing(tmp_path: Path) -> None:
    root = tree(tmp_path, {"apps/a.yaml": MARKED})
    assert apply_markers(root, "nothing-here", SELECTED) == apply_markers(root, "nope", {})


def test_a_file_over_the_cap_is_left_alone_and_reported_by_name(tmp_path: Path) -> None:
    from trueup.imageupdate.edit import MAX_FILE_BYTES

    filler = "# " + "x" * 77 + "\n"
    # The marker sits past the first chunk's end, so only a read of the whole file finds it.
    big = filler * (MAX_FILE_BYTES // len(filler) + 1) + MARKED
    root = tree(
        tmp_path,
        {
            "apps/big.yaml": big,
            "apps/big-unmarked.yaml": filler * (MAX_FILE_BYTES // len(filler) + 1),
            "apps/small.yaml": MARKED,
        },
    )

    edited = apply_markers(root, "apps", SELECTED)

    assert edited.files == ("apps/small.yaml",), "the other files are still updated"
    assert (root / "apps/big.yaml").read_text() == big
    [problem] = edited.problems
    assert (problem.file, problem.kind) == ("apps/big.yaml", ProblemKind.TOO_LARGE)
    assert "over the 1 MiB" in str(problem)
    assert str(problem).startswith("apps/big.yaml:1: ")


def test_a_file_at_the_cap_is_still_edited(tmp_path: Path) -> None:
    from trueup.imageupdate.edit import MAX_FILE_BYTES

    content = "#" * (MAX_FILE_BYTES - len(MARKED) - 1) + "\n" + MARKED
    root = tree(tmp_path, {"apps/a.yaml": content})

    edited = apply_markers(root, "apps", SELECTED)

    assert edited.files == ("apps/a.yaml",)
    assert edited.problems == ()

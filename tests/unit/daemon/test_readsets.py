"""Read-sets: an app is reconciled for a new revision only when a path it read changed."""

from __future__ import annotations

from pathlib import Path

from trueup.daemon.readsets import affected, subtree_digest


def tree(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


def test_a_subtree_digest_changes_with_a_content_a_name_or_a_new_file(tmp_path: Path) -> None:
    base = tree(tmp_path / "a", {"apps/web/cm.yaml": "x: 1\n"})
    same = tree(tmp_path / "b", {"apps/web/cm.yaml": "x: 1\n"})
    edited = tree(tmp_path / "c", {"apps/web/cm.yaml": "x: 2\n"})
    renamed = tree(tmp_path / "d", {"apps/web/map.yaml": "x: 1\n"})
    added = tree(tmp_path / "e", {"apps/web/cm.yaml": "x: 1\n", "apps/web/more.yaml": ""})
    digest = subtree_digest(base, "apps/web")
    assert subtree_digest(same, "apps/web") == digest
    for other in (edited, renamed, added):
        assert subtree_digest(other, "apps/web") != digest
    assert subtree_digest(base, "apps/missing") == ""
    assert subtree_digest(base, "apps/web/cm.yaml") != subtree_digest(edited, "apps/web/cm.yaml")


def test_only_apps_whose_read_set_changed_are_affected(tmp_path: Path) -> None:
    old = tree(
        tmp_path / "old",
        {"web/cm.yaml": "a", "api/cm.yaml": "b", "base/deploy.yaml": "c", "docs/x.md": "d"},
    )
    new = tree(
        tmp_path / "new",
        {"web/cm.yaml": "a", "api/cm.yaml": "b", "base/deploy.yaml": "C", "docs/x.md": "D"},
    )
    reads = {
        "web": frozenset({"web"}),
        "api": frozenset({"api", "base"}),  # a kustomization reaching ../base
        "docs": frozenset(),  # never rendered: unknown
    }
    assert affected(old, new, reads, ["web", "api", "docs", "fresh"]) == ["api", "docs", "fresh"]

"""Gitignore-style patterns, decided one path at a time."""

from __future__ import annotations

import pytest

from trueup.render.ignore import parse_ignore

CASES = [
    # patterns, path, is_dir, ignored
    (["*.bak.yaml"], "a.bak.yaml", False, True),
    (["*.bak.yaml"], "deep/er/a.bak.yaml", False, True),
    (["*.bak.yaml"], "a.yaml", False, False),
    (["/top.yaml"], "top.yaml", False, True),
    (["/top.yaml"], "sub/top.yaml", False, False),
    (["sub/x.yaml"], "sub/x.yaml", False, True),
    (["sub/x.yaml"], "other/sub/x.yaml", False, False),
    (["build/"], "build", True, True),
    (["build/"], "build", False, False),
    (["build/"], "a/build", True, True),
    (["docs/**"], "docs/a/b.yaml", False, True),
    (["docs/**"], "docs", True, False),
    (["**/tmp"], "a/b/tmp", True, True),
    (["**/tmp"], "tmp", True, True),
    (["a/**/z.yaml"], "a/z.yaml", False, True),
    (["a/**/z.yaml"], "a/b/c/z.yaml", False, True),
    (["file?.yaml"], "file1.yaml", False, True),
    (["file?.yaml"], "file10.yaml", False, False),
    (["[ab].yaml"], "b.yaml", False, True),
    (["[!ab].yaml"], "b.yaml", False, False),
    (["[!ab].yaml"], "c.yaml", False, True),
    (["*.yaml", "!keep.yaml"], "keep.yaml", False, False),
    (["*.yaml", "!keep.yaml", "keep.yaml"], "keep.yaml", False, True),
    (["# a comment", "", "   "], "# a comment", False, False),
    (["\\#hash.yaml"], "#hash.yaml", False, True),
    (["a.yaml"], "a.yml", False, False),
    (["*"], "anything/at/all", False, True),
    (["*.yaml"], "dir.yaml", True, True),
]


@pytest.mark.parametrize(("patterns", "path", "is_dir", "ignored"), CASES)
def test_ignore_patterns_follow_gitignore_rules(
    patterns: list[str], path: str, is_dir: bool, ignored: bool
) -> None:
    assert parse_ignore(patterns).ignored(path, is_dir) is ignored

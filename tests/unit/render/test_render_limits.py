"""Hostile sizes and shapes end in a clear limit error, fast and with bounded memory.

pytest-timeout bounds each test so a regression to expanding or parsing everything shows
up as a failure rather than as a slow suite (the bounds are generous; measured times are
far below them).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from trueup.errors import RenderError
from trueup.render import RenderLimits, RenderOptions, render

OBJECT = b"apiVersion: v1\nkind: ConfigMap\nmetadata: {name: n%d}\n"


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def billion_laughs() -> bytes:
    lines = [b'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: lol}\na: &a ["lol","lol","lol"]']
    previous = "a"
    for level in "bcdefghij":
        refs = ",".join([f"*{previous}"] * 9)
        lines.append(f"{level}: &{level} [{refs}]".encode())
        previous = level
    return b"\n".join(lines) + b"\n"


@pytest.mark.timeout(10)
def test_a_billion_laughs_bomb_is_refused_before_expansion(tmp_path: Path) -> None:
    write(tmp_path, "bomb.yaml", billion_laughs())
    with pytest.raises(RenderError, match=r"bomb.yaml:\d+: more than 1000000 YAML nodes"):
        render(tmp_path, ".", RenderOptions())


def test_more_aliases_than_the_limit_in_one_document_are_refused(tmp_path: Path) -> None:
    refs = "\n".join(f"  k{i}: *x" for i in range(101))
    data = f"apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: x}}\nv: &x 1\ndata:\n{refs}\n"
    write(tmp_path, "aliases.yaml", data.encode())
    with pytest.raises(RenderError, match=r"aliases.yaml:106: more than 100 YAML aliases"):
        render(tmp_path, ".", RenderOptions())


def test_aliases_become_independent_copies(tmp_path: Path) -> None:
    data = (
        b"apiVersion: v1\nkind: List\nitems:\n"
        b"- {apiVersion: v1, kind: ConfigMap, metadata: &m {name: a, labels: {x: z}}}\n"
        b"- {apiVersion: v1, kind: Secret, metadata: *m}\n"
    )
    write(tmp_path, "list.yaml", data)
    first, second = render(tmp_path, ".", RenderOptions()).objects
    first["metadata"]["labels"]["changed"] = "only here"
    assert second["metadata"] == {"name": "a", "labels": {"x": "z"}}


@pytest.mark.timeout(10)
@pytest.mark.parametrize("style", ["block", "flow"])
def test_ten_thousand_levels_of_nesting_are_refused(tmp_path: Path, style: str) -> None:
    if style == "block":
        body = b"k:\n" + b"- " * 10_000 + b"x\n"  # nested block sequences on one line
    else:
        body = b"k: " + b"[" * 10_000 + b"]" * 10_000 + b"\n"
    write(tmp_path, "deep.yaml", b"apiVersion: v1\nkind: ConfigMap\nmetadata: {name: d}\n" + body)
    with pytest.raises(RenderError, match=r"deep.yaml:\d+: .*nesting"):
        render(tmp_path, ".", RenderOptions())


@pytest.mark.timeout(10)
def test_a_500_megabyte_file_is_refused_unread(tmp_path: Path) -> None:
    huge = write(tmp_path, "huge.yaml", OBJECT % 1)
    with huge.open("r+b") as f:
        f.truncate(500 * 1024 * 1024)  # sparse: instant, and reading it would take seconds
    with pytest.raises(RenderError, match=r"huge.yaml is 524288000 bytes, over the limit"):
        render(tmp_path, ".", RenderOptions())


@pytest.mark.timeout(10)
def test_a_million_tiny_objects_stop_at_the_object_limit(tmp_path: Path) -> None:
    data = b"apiVersion: v1\nkind: List\nitems:\n" + b"- {}\n" * 1_000_000
    write(tmp_path, "million.yaml", data)
    with pytest.raises(RenderError, match=r"million.yaml:10004: more than 10000 objects"):
        render(tmp_path, ".", RenderOptions())


def test_the_object_limit_counts_across_files(tmp_path: Path) -> None:
    for i in range(4):
        write(tmp_path, f"f{i}.yaml", OBJECT % i)
    limits = RenderLimits(max_objects=3)
    with pytest.raises(RenderError, match=r"f3.yaml:1: more than 3 objects"):
        render(tmp_path, ".", RenderOptions(limits=limits))
    assert (
        len(render(tmp_path, ".", RenderOptions(limits=RenderLimits(max_objects=4))).objects) == 4
    )


def test_the_total_byte_limit_counts_across_files_before_any_is_parsed(tmp_path: Path) -> None:
    write(tmp_path, "a-broken.yaml", b"key: [unclosed\n")  # parsing it first would fail
    for i in range(3):
        write(tmp_path, f"f{i}.yaml", OBJECT % i)
    limits = RenderLimits(max_total_bytes=3 * len(OBJECT % 0))
    with pytest.raises(RenderError, match=r"over the total limit of \d+ bytes"):
        render(tmp_path, ".", RenderOptions(limits=limits))


def test_directories_nested_deeper_than_the_limit_are_refused(tmp_path: Path) -> None:
    deep = tmp_path.joinpath(*["d"] * 6)
    deep.mkdir(parents=True)
    (deep / "x.yaml").write_bytes(OBJECT % 1)
    limits = RenderLimits(max_depth=4)
    with pytest.raises(RenderError, match="directories nested deeper than 4 levels"):
        render(tmp_path, ".", RenderOptions(limits=limits))

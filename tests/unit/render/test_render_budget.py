"""The render-wide totals (bytes, files) are checked from file sizes before anything is parsed."""

from __future__ import annotations

from pathlib import Path

import pytest

from trueup.errors import RenderError
from trueup.render import RenderLimits, RenderOptions, render

MIB = 1024 * 1024
OBJECT = b"apiVersion: v1\nkind: ConfigMap\nmetadata: {name: n%d}\n"


def sparse(path: Path, size: int) -> None:
    """A file of ``size`` zero bytes that costs no disk (and that no parser would accept)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as f:
        f.truncate(size)


@pytest.mark.timeout(60)
def test_eight_files_within_the_file_limit_but_over_the_total_are_refused_unparsed(
    tmp_path: Path,
) -> None:
    limits = RenderLimits()
    for i in range(8):
        sparse(tmp_path / f"big-{i}.yaml", limits.max_file_bytes)

    with pytest.raises(RenderError) as caught:
        render(tmp_path, ".", RenderOptions())

    message = str(caught.value)
    assert f"over the total limit of {limits.max_total_bytes} bytes" in message
    assert "raise the render size limit" in message
    assert "invalid YAML" not in message


def test_more_manifest_files_than_the_file_count_limit_are_refused(tmp_path: Path) -> None:
    for i in range(4):
        (tmp_path / f"f{i}.yaml").write_bytes(OBJECT % i)

    with pytest.raises(RenderError, match=r"more than 3 manifest files in one render"):
        render(tmp_path, ".", RenderOptions(limits=RenderLimits(max_files=3)))
    assert len(render(tmp_path, ".", RenderOptions(limits=RenderLimits(max_files=4))).objects) == 4


def test_ignored_hidden_and_non_manifest_files_do_not_count_towards_the_totals(
    tmp_path: Path,
) -> None:
    (tmp_path / "app.yaml").write_bytes(OBJECT % 1)
    sparse(tmp_path / "vendor" / "huge.yaml", 2 * MIB)
    sparse(tmp_path / ".cache" / "huge.yaml", 2 * MIB)
    sparse(tmp_path / "notes.txt", 2 * MIB)
    limits = RenderLimits(max_total_bytes=MIB)

    rendered = render(tmp_path, ".", RenderOptions(ignore=("vendor/",), limits=limits))

    assert [obj["metadata"]["name"] for obj in rendered.objects] == ["n1"]


def test_a_single_file_over_the_file_limit_is_named_before_the_total(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_bytes(OBJECT % 1)
    sparse(tmp_path / "sub" / "huge.yaml", 9 * MIB)

    with pytest.raises(RenderError, match=r"sub/huge.yaml is 9437184 bytes, over the limit"):
        render(tmp_path, ".", RenderOptions())

"""Two renders compared object by object, and a preview written as Markdown: pure."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from trueup.errors import SourceError
from trueup.gitspec import GitRef
from trueup.masking import MASK
from trueup.preview import AppPreview, Change, Preview, compare_renders, ref_candidates
from trueup.preview.markdown import to_markdown

SHA = "0123456789abcdef0123456789abcdef01234567"


def cm(name: str, **data: str) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}, "data": data}


def secret(name: str, **data: str) -> dict[str, Any]:
    encoded = {k: base64.b64encode(v.encode()).decode() for k, v in data.items()}
    return {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": name}, "data": encoded}


def test_objects_are_created_changed_and_pruned_in_id_order() -> None:
    base = [cm("b", x="1"), cm("c", x="1"), cm("same", x="1")]
    head = [cm("same", x="1"), cm("c", x="2"), cm("a", x="1")]

    found = compare_renders(base, head)

    assert [(d.id.name, d.change) for d in found] == [
        ("a", Change.CREATED),
        ("b", Change.PRUNED),
        ("c", Change.CHANGED),
    ]
    assert found[2].diff.startswith("--- base/ConfigMap/c\n+++ ref/ConfigMap/c\n")
    assert "-  x: '1'\n+  x: '2'" in found[2].diff


def test_secret_data_and_values_from_secret_places_are_masked() -> None:
    found = compare_renders(
        [secret("db", password="old-password-1"), cm("app", url="x")],
        [secret("db", password="new-password-2"), cm("app", url="postgres://u:hunter22@db")],
        masked=["hunter22"],
    )

    text = "".join(d.diff for d in found)
    for value in ("old-password-1", "new-password-2", "hunter22"):
        assert value not in text
        assert base64.b64encode(value.encode()).decode() not in text
    assert f"postgres://u:{MASK}@db" in text


def preview_of(*apps: AppPreview, unaffected: tuple[str, ...] = ()) -> Preview:
    return Preview("deploy", f"main@sha1:{SHA}", f"feature@sha1:{SHA[::-1]}", apps, unaffected)


def test_markdown_has_a_header_a_table_folded_diffs_and_the_untouched_apps() -> None:
    web = AppPreview("web", compare_renders([cm("a", x="1")], [cm("a", x="2"), cm("b")]))
    broken = AppPreview("api", error="App/api: apps/api/x.yaml:3: bad `thing` <here>")

    text = to_markdown(preview_of(broken, web, unaffected=("docs", "site")))

    assert text.startswith("### trueup preview: `feature@7654321` against `main@0123456`\n")
    assert f"base `main@sha1:{SHA}`" in text
    assert "| `web` | 1 | 1 | 0 | changes |" in text
    assert "| `api` | 0 | 0 | 0 | render failed |" in text
    assert "Not rendered at the ref: `App/api: apps/api/x.yaml:3: bad 'thing' <here>`" in text
    assert "<details><summary>ConfigMap/b (created)</summary>\n\n```diff\n--- base/" in text
    assert "2 App(s) not touched: `docs`, `site`." in text


def test_a_diff_holding_backticks_gets_a_longer_fence() -> None:
    web = AppPreview("web", compare_renders([], [cm("a", script="```\nrm -rf /\n```")]))

    text = to_markdown(preview_of(web))

    assert "````diff\n" in text
    assert text.count("````") == 2


def test_diffs_past_the_length_limit_are_left_out_by_name() -> None:
    big = [cm(f"obj-{i:02}", blob="x" * 400) for i in range(30)]
    web = AppPreview("web", compare_renders([], big))

    text = to_markdown(preview_of(web), max_chars=6_000)

    assert len(text) <= 6_000
    assert "<details><summary>ConfigMap/obj-00 (created)" in text
    assert "- ConfigMap/obj-11 (created): diff left out" in text
    assert text.endswith("- 18 more object(s) left out\n")


def test_a_ref_is_a_commit_a_named_branch_or_tag_or_a_name_tried_as_branch_then_tag() -> None:
    assert ref_candidates(SHA.upper()) == (GitRef(commit=SHA),)
    assert ref_candidates("refs/heads/feature/x") == (GitRef(branch="feature/x"),)
    assert ref_candidates("refs/tags/v1") == (GitRef(tag="v1"),)
    assert ref_candidates("v1") == (GitRef(branch="v1"), GitRef(tag="v1"))
    with pytest.raises(SourceError, match="not a valid branch"):
        ref_candidates("bad..name")

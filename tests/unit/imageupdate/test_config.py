"""The ImageUpdate kind: its templates, its push rules and its references, as loaded."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from trueup.config import load_config
from trueup.config.image_update import (
    BRANCH_FIELDS,
    MESSAGE_FIELDS,
    TemplateError,
    render,
    template_fields,
)


def test_a_template_names_only_known_fields_and_fills_them_in() -> None:
    text = "Update {count} fields in {path} {{literally}}"
    assert template_fields(text, MESSAGE_FIELDS) == {"count", "path"}
    values = dict.fromkeys(MESSAGE_FIELDS, "") | {"count": "2", "path": "apps"}
    assert render(text, values) == "Update 2 fields in apps {literally}"


@pytest.mark.parametrize(
    "text",
    [
        "{nope}",
        "{update.__class__}",
        "{images[0]}",
        "{count!r}",
        "{count:>10}",
        "{",
        "}",
        "{policy}",  # a branch field, not a message field
    ],
)
def test_a_template_with_anything_but_plain_known_fields_is_refused(text: str) -> None:
    with pytest.raises(TemplateError):
        template_fields(text, MESSAGE_FIELDS)


def test_a_branch_template_knows_the_policy() -> None:
    assert template_fields("trueup/{policy}", BRANCH_FIELDS) == {"policy"}


SOURCE = {"url": "http://127.0.0.1:9/deploy.git", "write": {}}


def load(tmp_path: Path, update: dict[str, Any], *, source: dict[str, Any] = SOURCE) -> list[str]:
    docs = [
        {"apiVersion": "trueup.dev/v1alpha1", "kind": "GitSource",
         "metadata": {"name": "deploy"}, "spec": source},
        {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "forge"},
         "stringData": {"token": "t0ken"}},
        {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "empty"},
         "stringData": {"other": "x"}},
        {"apiVersion": "trueup.dev/v1alpha1", "kind": "ImageUpdate",
         "metadata": {"name": "images"}, "spec": {"source": "deploy", **update}},
    ]  # fmt: skip
    path = tmp_path / "trueup.yaml"
    path.write_text(yaml.safe_dump_all(docs))
    config = load_config(path)
    if not config.errors:
        assert [u.metadata.name for u in config.image_updates] == ["images"]
    return [str(e) for e in config.errors]


PULL = {
    "provider": "gitea",
    "address": "http://127.0.0.1:3000/org/deploy",
    "secretRef": {"name": "forge"},
}


def test_a_direct_push_and_a_pull_request_load(tmp_path: Path) -> None:
    assert load(tmp_path, {"path": "apps", "interval": "1m"}) == []
    assert load(tmp_path, {"push": {"branch": "trueup/{policy}", "pullRequest": PULL}}) == []


@pytest.mark.parametrize(
    ("update", "source", "expected"),
    [
        ({"source": "other"}, SOURCE, "spec.source: no GitSource named 'other'"),
        ({}, {"url": SOURCE["url"]}, "GitSource 'deploy' has no spec.write"),
        ({}, {**SOURCE, "ref": {"tag": "v1"}}, "follows no branch"),
        ({"push": {"branch": "main", "pullRequest": PULL}}, SOURCE, "merges a branch into itself"),
        ({"push": {"pullRequest": PULL}}, SOURCE, "a pull request needs an update branch"),
        (
            {"push": {"branch": "up", "pullRequest": {**PULL, "secretRef": {"name": "empty"}}}},
            SOURCE,
            "Secret 'empty' has no key token",
        ),
        (
            {
                "push": {
                    "branch": "up",
                    "pullRequest": {**PULL, "address": "http://forge.example.test/o/r"},
                }
            },
            SOURCE,
            "plain http",
        ),
        ({"push": {"branch": "-x"}}, SOURCE, "not a valid Git ref name"),
        ({"path": "../etc"}, SOURCE, "must be a relative path inside the repository"),
        ({"commit": {"messageTemplate": "{oops}"}}, SOURCE, "'{oops}' is not a field"),
        (
            {"commit": {"author": {"name": "a<b", "email": "x@y"}}},
            SOURCE,
            "cannot be a commit author",
        ),
        ({"push": {"brnch": "x"}}, SOURCE, "brnch"),
    ],
)
def test_an_image_update_that_cannot_work_is_refused_with_its_field(
    tmp_path: Path, update: dict[str, Any], source: dict[str, Any], expected: str
) -> None:
    errors = load(tmp_path, update, source=source)
    assert len(errors) == 1, errors
    assert expected in errors[0]
    assert "ImageUpdate/images" in errors[0]

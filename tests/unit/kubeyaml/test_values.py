"""Values as kubectl reads them, over the cases in fixtures/values.yaml."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from trueup.kubeyaml import Limits, ManifestSyntaxError, read_documents, read_each

CASES: list[dict[str, Any]] = yaml.safe_load(
    (Path(__file__).parent / "fixtures" / "values.yaml").read_text()
)


def read_one(text: str) -> Any:
    (document,) = read_documents(text.encode(), Limits())
    return document.data


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_a_document_reads_as_kubectl_reads_it(case: dict[str, Any]) -> None:
    # Under a key: a file whose first character is '{' is JSON to kubectl.
    got = read_one("v: " + case["yaml"])["v"]
    assert json.dumps(got, sort_keys=True) == json.dumps(json.loads(case["json"]), sort_keys=True)


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("a: 1\nb: .inf\n", 2, ".inf or .nan"),
        ("a: 1\n...\nb: 2\n", 3, "'...'"),
        ("a: 1\n--- {b: 2}\n", 2, "'---'"),
        ("a: {1: x, '1': y}\n", 1, "both mean '1'"),
        ("a: {x: b:}\n", 1, "ends with ':'"),
        ("a:\n  b: !!int abc\n", 2, "tagged !!int"),
        ("a: &x [*x]\n", 1, "contains it"),
    ],
)
def test_what_kubectl_refuses_or_would_misread_is_refused_naming_the_line(
    text: str, line: int, words: str
) -> None:
    with pytest.raises(ManifestSyntaxError) as raised:
        read_one(text)
    assert raised.value.line == line
    assert words in raised.value.message


def test_a_file_starting_with_a_brace_is_read_as_json_as_kubectl_does() -> None:
    with pytest.raises(ManifestSyntaxError, match="invalid JSON"):
        read_one("{a: 1}")
    assert read_one('{"a": 1.0, "a": 2}') == {"a": 2}


def test_a_bad_section_costs_only_itself() -> None:
    results = list(read_each(b"a: 1\n---\nb: .nan\n---\nc: 3\n", Limits()))
    assert [r.data if not isinstance(r, ManifestSyntaxError) else r.line for r in results] == [
        {"a": 1},
        3,
        {"c": 3},
    ]

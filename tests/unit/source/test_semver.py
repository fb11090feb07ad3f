"""Semver ranges: parsing, matching and choosing a tag, table-driven over YAML fixtures."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from trueup.errors import SourceError
from trueup.gitspec.semver import MAX_TAGS, Version, parse_range, parse_version, select

FIXTURES = Path(__file__).parent / "fixtures"
SELECT: dict[str, Any] = yaml.safe_load((FIXTURES / "semver_select.yaml").read_text())
INVALID: list[dict[str, str]] = yaml.safe_load((FIXTURES / "semver_invalid.yaml").read_text())


@pytest.mark.parametrize("case", SELECT["cases"], ids=lambda c: c["range"])
def test_the_highest_tag_in_the_range_is_chosen(case: dict[str, str | None]) -> None:
    assert case["range"] is not None
    chosen = select(parse_range(case["range"]), SELECT["tags"])
    assert (chosen[0] if chosen else None) == case["want"]


@pytest.mark.parametrize("case", INVALID, ids=lambda c: repr(c["range"]))
def test_a_malformed_range_is_a_source_error_that_says_why(case: dict[str, str]) -> None:
    with pytest.raises(SourceError, match=case["error"]):
        parse_range(case["range"])


@pytest.mark.parametrize(
    ("tag", "version"),
    [
        ("v1.2.3", Version(1, 2, 3)),
        ("1.2.3", Version(1, 2, 3)),
        ("1.2.3-rc.1+build.5", Version(1, 2, 3, ("rc", "1"))),
        ("1.2.3+build", Version(1, 2, 3)),
        ("v1.2", None),
        ("V1.2.3", None),
        ("01.2.3", None),
        ("1.2.3-01", None),
        ("1.2.3-", None),
        ("refs/tags/v1.2.3", None),
        ("v" + "9" * 19 + ".0.0", None),
    ],
)
def test_only_full_semantic_versions_are_versions(tag: str, version: Version | None) -> None:
    assert parse_version(tag) == version


def test_precedence_follows_semver_for_pre_releases() -> None:
    ordered = ["1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta",
               "1.0.0-beta.2", "1.0.0-beta.11", "1.0.0-rc.1", "1.0.0"]  # fmt: skip
    versions = [parse_version(tag) for tag in ordered]
    keys = [v.key() for v in versions if v is not None]
    assert keys == sorted(keys)
    assert len(set(map(str, keys))) == len(ordered)


def test_equal_versions_choose_the_greatest_tag_name_whatever_the_order() -> None:
    tags = ["v1.0.0", "1.0.0", "1.0.0+b", "1.0.0+a"]
    assert select(parse_range("1.0.0"), tags) == ("v1.0.0", Version(1, 0, 0))
    assert select(parse_range("1.0.0"), reversed(tags)) == ("v1.0.0", Version(1, 0, 0))


def test_a_huge_tag_list_is_cut_at_the_limit() -> None:
    tags = (f"v0.0.{n}" for n in range(MAX_TAGS + 50))
    assert select(parse_range("*"), tags) == (f"v0.0.{MAX_TAGS - 1}", Version(0, 0, MAX_TAGS - 1))


def test_an_overlong_range_is_refused() -> None:
    with pytest.raises(SourceError, match="longer than"):
        parse_range(">=1.0.0 " * 100)

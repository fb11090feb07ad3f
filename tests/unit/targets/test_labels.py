"""Label selectors as the in-memory target matches them."""

from __future__ import annotations

import pytest

from trueup.errors import TargetError
from trueup.targets.labels import parse_selector

LABELS = {"app": "web", "tier": "front", "trueup.dev/app": "shop"}


@pytest.mark.parametrize(
    ("selector", "matches"),
    [
        ("", True),
        ("app=web", True),
        ("app==web,tier=front", True),
        ("app=db", False),
        ("app!=db", True),
        ("trueup.dev/app", True),
        ("!trueup.dev/app", False),
        ("missing", False),
        ("tier in (front, back)", True),
        ("tier notin (front)", False),
        ("tier in (back),app=web", False),
    ],
)
def test_a_selector_matches_labels_like_the_api_server(selector: str, matches: bool) -> None:
    assert parse_selector(selector)(LABELS) is matches


def test_an_unparseable_selector_is_refused() -> None:
    with pytest.raises(TargetError, match="cannot parse"):
        parse_selector("a b c")

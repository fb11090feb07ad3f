"""Whether a dry-run result differs from live, over the cases in fixtures/compare.yaml."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from tests.unit.plan.cases import load_cases
from trueup.plan import differs, normalize


@pytest.mark.parametrize("case", load_cases("compare.yaml"))
def test_dry_run_and_live_differ_only_when_something_real_changed(case: dict[str, Any]) -> None:
    assert differs(case["dry_run"], case["live"]) is case["differs"]
    assert differs(case["live"], case["dry_run"]) is case["differs"]


@pytest.mark.parametrize("case", load_cases("compare.yaml"))
def test_normalising_leaves_its_input_untouched(case: dict[str, Any]) -> None:
    live = copy.deepcopy(case["live"])
    normalize(live)
    assert live == case["live"]


def test_normalising_removes_every_kind_of_server_noise() -> None:
    case = load_cases("compare.yaml")[0].values[0]
    normal = normalize(case["live"])
    assert "status" not in normal
    assert normal["metadata"] == {"name": "web", "namespace": "shop"}

"""Table-driven render tests: each folder under fixtures/ holds a repo/ tree and a case.yaml."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from trueup.errors import RenderError
from trueup.objects import ObjectId, object_id
from trueup.render import RenderOptions, render

FIXTURES = Path(__file__).parent / "fixtures"
CASES = sorted(p.name for p in FIXTURES.iterdir() if (p / "case.yaml").is_file())


def describe(oid: ObjectId) -> str:
    """``Kind.group/namespace/name``: like the id string, but showing the API group."""
    return "/".join(part for part in (oid.group_kind, oid.namespace, oid.name) if part)


def load_case(name: str) -> dict[str, Any]:
    case = yaml.safe_load((FIXTURES / name / "case.yaml").read_text())
    assert isinstance(case, dict)
    return case


def test_every_fixture_folder_is_a_case() -> None:
    assert len(CASES) >= 15
    assert all((FIXTURES / name / "repo").is_dir() for name in CASES)


@pytest.mark.parametrize("name", CASES)
def test_render_matches_the_fixture(name: str) -> None:
    case = load_case(name)
    options = RenderOptions(ignore=tuple(case.get("ignore", ())))
    root = FIXTURES / name / "repo"
    if "error" in case:
        with pytest.raises(RenderError) as caught:
            render(root, case["path"], options)
        for fragment in case["error"]:
            assert fragment in str(caught.value)
        return
    rendered = render(root, case["path"], options)
    got = [
        [describe(object_id(obj)), str(rendered.origins[object_id(obj)])]
        for obj in rendered.objects
    ]
    assert got == case["expect"]
    assert len(rendered.origins) == len(rendered.objects)

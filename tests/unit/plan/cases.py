"""Loading the YAML fixtures of the plan tests, and reading ids written in them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from trueup.objects import ObjectId

FIXTURES = Path(__file__).parent / "fixtures"


def load_cases(filename: str) -> list[Any]:
    """Every case of one fixture file, as pytest params named by the case's sentence."""
    cases = yaml.safe_load((FIXTURES / filename).read_text(encoding="utf-8"))
    return [pytest.param(case, id=case["name"]) for case in cases]


def case_named(filename: str, name: str) -> Any:
    """The one case of ``filename`` called ``name``."""
    cases = yaml.safe_load((FIXTURES / filename).read_text(encoding="utf-8"))
    return next(case for case in cases if case["name"] == name)


def parse_id(text: str) -> ObjectId:
    """``Kind.group/namespace/name`` or ``Kind.group/name`` (group optional) → ObjectId."""
    group_kind, *rest = text.split("/")
    namespace, name = rest if len(rest) == 2 else ("", rest[0])
    kind, _, group = group_kind.partition(".")
    return ObjectId(group=group, kind=kind, namespace=namespace, name=name)

"""Loading the YAML fixtures of the target tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

FIXTURES = Path(__file__).parent / "fixtures"


def load_cases(filename: str) -> list[Any]:
    """Every case of one fixture file, as pytest params named by the case's sentence."""
    cases = yaml.safe_load((FIXTURES / filename).read_text(encoding="utf-8"))
    return [pytest.param(case, id=case["name"]) for case in cases]

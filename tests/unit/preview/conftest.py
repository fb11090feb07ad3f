"""Fixtures of the preview unit tests: the engine tests' world of fakes."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.unit.engine.harness import Harness
from trueup.source import MemorySource


@pytest.fixture
def harness(tmp_path: Path) -> Harness:
    """A world of fakes with one GitSource and no App yet (declare them with ``app``)."""
    return Harness(root=tmp_path, source=MemorySource(tmp_path / "checkouts"))

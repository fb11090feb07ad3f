"""Fixtures of the Engine.sync unit tests: see :mod:`tests.unit.engine.harness`."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.unit.engine.harness import Harness
from trueup.source import MemorySource


@pytest.fixture
def harness(tmp_path: Path) -> Harness:
    """A world of fakes with one GitSource and no App yet (declare them with ``app``)."""
    return Harness(root=tmp_path, source=MemorySource(tmp_path / "checkouts"))

"""Fixtures shared by every tier of the test suite."""

from __future__ import annotations

import pytest
from hypothesis import settings

pytest_plugins = ["tests.servers.fixtures", "tests.servers.cluster", "tests.servers.forge"]


@pytest.fixture
def anyio_backend() -> str:
    """Async tests run on asyncio, the loop trueup's daemon uses."""
    return "asyncio"


# Property-based tests: no per-example deadline (the machine is shared with a cluster), a
# fixed example budget, and no example database written into the work tree.
settings.register_profile("trueup", deadline=None, max_examples=200, database=None)
settings.load_profile("trueup")

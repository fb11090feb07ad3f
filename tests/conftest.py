"""Fixtures shared by every tier of the test suite."""

from __future__ import annotations

import pytest

pytest_plugins = ["tests.servers.fixtures", "tests.servers.cluster"]


@pytest.fixture
def anyio_backend() -> str:
    """Async tests run on asyncio, the loop trueup's daemon uses."""
    return "asyncio"

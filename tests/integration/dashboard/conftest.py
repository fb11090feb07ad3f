"""Fixtures of the dashboard's browser tests: the daemon tests' world, and a browser."""

from collections.abc import Iterator

import pytest

from tests.integration.dashboard.browser import Browser
from tests.integration.engine.helpers import git_cache, world

__all__ = ["browser", "git_cache", "world"]


@pytest.fixture
def browser() -> Iterator[Browser]:
    """A headless Chromium (Debian's, driven by its chromium-driver), closed after the test."""
    opened = Browser.open()
    try:
        yield opened
    finally:
        opened.close()

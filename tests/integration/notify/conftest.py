"""Fixtures of the notification tests (the same world as the daemon tests)."""

from tests.integration.engine.helpers import git_cache, world

__all__ = ["git_cache", "world"]

"""Fixtures of the daemon tests (the same world as the engine and CLI tests)."""

from tests.integration.engine.helpers import git_cache, world

__all__ = ["git_cache", "world"]

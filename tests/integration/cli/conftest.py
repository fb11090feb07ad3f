"""Fixtures of the command-line tests (the same as the engine tests)."""

from tests.integration.engine.helpers import git_cache, world

__all__ = ["git_cache", "world"]

"""Fixtures of the engine's end-to-end tests (shared with the CLI tests)."""

from tests.integration.engine.helpers import git_cache, world

__all__ = ["git_cache", "world"]

"""Fixtures of the preview tests (the engine tests' Git cache and world)."""

from tests.integration.engine.helpers import git_cache, world

__all__ = ["git_cache", "world"]

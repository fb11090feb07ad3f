"""Fixtures of the rollback tests: the engine tests' world (a served repository, a
configuration and store of its own, a namespace on the dev-cluster)."""

from tests.integration.engine.helpers import git_cache, world

__all__ = ["git_cache", "world"]

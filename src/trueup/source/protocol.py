"""``Source``: what the engine needs from the source stage, and nothing more.

:class:`~trueup.source.fetcher.GitFetcher` is the real implementation (git, a cache on
disk); :class:`~trueup.source.memory.MemorySource` serves file trees kept in memory, for
fast tests of the layers above.
"""

from __future__ import annotations

from typing import Protocol

from trueup.source.model import Artifact, GitRepository


class Source(Protocol):
    """Resolves a Git source to a revision and a checked-out tree."""

    async def fetch(self, repo: GitRepository) -> Artifact:
        """Resolve ``repo.ref`` and return where its tree is.

        Raises :class:`~trueup.errors.SourceError` when the source is refused (URL, ref,
        credentials, signature) and :class:`~trueup.errors.SourceUnavailableError` when it
        cannot be reached.
        """
        ...

"""The source stage: resolve a Git ref to a revision and a checked-out tree.

Describe a source with :class:`GitRepository` (URL, :class:`GitRef`, optional
:class:`GitAuth` and :class:`SignaturePolicy`) and hand it to :meth:`GitFetcher.fetch`,
which returns an :class:`Artifact`. Errors: :class:`~trueup.errors.SourceError` when the
source is refused (URL, ref, credentials, signature), and
:class:`~trueup.errors.SourceUnavailableError` when Git cannot be reached; the caller keeps
its last good revision.

The engine depends only on the :class:`Source` protocol; :class:`MemorySource` is its
in-memory fake for tests of the layers above.
"""

from __future__ import annotations

from trueup.gitspec import GitRef, RefKind
from trueup.source.fetcher import GitFetcher
from trueup.source.memory import MemorySource
from trueup.source.model import (
    Artifact,
    AuthMode,
    GitAuth,
    GitRepository,
    SignatureMode,
    SignaturePolicy,
)
from trueup.source.protocol import Source

__all__ = [
    "Artifact",
    "AuthMode",
    "GitAuth",
    "GitFetcher",
    "GitRef",
    "GitRepository",
    "MemorySource",
    "RefKind",
    "SignatureMode",
    "SignaturePolicy",
    "Source",
]

"""Read a fetched commit's author, subject and time from the cache, once per commit.

A commit never changes, so :class:`CommitReader` asks git once per commit id (one
``git log -1`` on the cache's bare repository) and answers every later fetch of the same
revision from memory; a daemon reconciling an unchanged revision every interval runs no
git for it. The details are for the record only: a commit git cannot describe (a cache
rebuilt under a reused tree) is ``None``, never a failed fetch.
"""

from __future__ import annotations

from collections import OrderedDict
from pathlib import Path

from trueup.gitspec import COMMIT_FORMAT, Commit, parse_commit
from trueup.source.gitcmd import GitRunner

MAX_REMEMBERED = 4096
"""Commits kept in memory; the least recently used go first beyond this."""


class CommitReader:
    """The details of commits in bare repositories, each read from git once."""

    def __init__(self, limit: int = MAX_REMEMBERED) -> None:
        self._limit = limit
        self._known: OrderedDict[str, Commit | None] = OrderedDict()
        self.reads = 0
        """How many times git was asked (for tests: once per new commit)."""

    async def read(self, git: GitRunner, bare: Path, sha: str) -> Commit | None:
        """The details of commit ``sha`` of the bare repository ``bare``; None when git
        cannot tell them."""
        if sha in self._known:
            self._known.move_to_end(sha)
            return self._known[sha]
        self.reads += 1
        done = await git.git(
            [
                "--git-dir",
                str(bare),
                "log",
                "-1",
                "--no-show-signature",
                f"--format={COMMIT_FORMAT}",
                "--end-of-options",
                sha,
            ],
            what=f"reading the author and subject of commit {sha}",
            cwd=bare.parent,
            check=False,
        )
        found = parse_commit(sha, done.stdout) if done.returncode == 0 else None
        self._known[sha] = found
        while len(self._known) > self._limit:
            self._known.popitem(last=False)
        return found

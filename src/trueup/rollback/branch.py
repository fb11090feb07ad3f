"""The history of one branch, read with the source's *read* credentials, for a revert.

The source stage keeps shallow clones (one commit each); a revert needs more: whether
REVISION's commit is an ancestor of the head, which commits since touched the restored
paths, and REVISION's files. :func:`branch_history` fetches the branch with its history
into a private temporary bare repository (removed afterwards) and answers those
questions; credentials stay in the source session's scratch directory, as for a fetch.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from trueup.errors import SourceError
from trueup.source import GitRepository
from trueup.source.gitcmd import GitRunner
from trueup.source.redact import redact_url
from trueup.source.session import git_session
from trueup.source.validate import validate_repository

_FIELD = "\x1f"


@dataclass(frozen=True, slots=True)
class BranchHistory:
    """A branch fetched with its history into ``bare``; use :func:`branch_history`."""

    git: GitRunner
    bare: Path
    branch: str
    head: str
    shown: str

    async def _git(self, args: Sequence[str], what: str, *, check: bool = True) -> str:
        done = await self.git.git(
            ["--git-dir", str(self.bare), *args], what=what, cwd=self.bare, check=check
        )
        if done.returncode != 0:
            return ""
        return done.stdout.decode("utf-8", "replace")

    async def is_ancestor(self, commit: str) -> bool:
        """Whether ``commit`` is the head or one of its ancestors."""
        done = await self.git.git(
            ["--git-dir", str(self.bare), "merge-base", "--is-ancestor", commit, self.head],
            what=f"checking that {commit[:12]} is on branch {self.branch} of {self.shown}",
            cwd=self.bare,
            check=False,
        )
        return done.returncode == 0

    async def commits_touching(self, commit: str, paths: Sequence[str]) -> tuple[str, ...]:
        """The commits after ``commit`` up to the head that changed one of ``paths``, newest
        first, each as ``<short sha> <subject>``."""
        log = [
            "log",
            f"--format=%h{_FIELD}%s",
            f"{commit}..{self.head}",
            "--",
            *(p if p != "." else ":/" for p in paths),
        ]
        text = await self._git(log, f"listing the commits of {self.shown} since {commit[:12]}")
        return tuple(" ".join(line.split(_FIELD, 1)) for line in text.splitlines() if line.strip())

    async def checkout(self, commit: str, into: Path) -> Path:
        """Write every file of ``commit`` under ``into`` (an empty directory); return it."""
        env = {"GIT_INDEX_FILE": str(self.bare / f"index-{commit}")}
        base = ["git", "--git-dir", str(self.bare), "--work-tree", str(into)]
        for args in (["read-tree", "--end-of-options", commit], ["checkout-index", "-a", "-f"]):
            await self.git.run(
                [*base, *args], what=f"checking out {commit[:12]}", cwd=into, env=env
            )
        return into


@asynccontextmanager
async def branch_history(
    repo: GitRepository, branch: str, *, limit: float = 60
) -> AsyncIterator[BranchHistory]:
    """Fetch ``branch`` of ``repo`` with its history; :class:`SourceError` if it is missing.

    Each git command is bounded by the source's timeout (``limit`` seconds when it has none).
    """
    remote = validate_repository(repo, allow_file=True)
    shown = redact_url(repo.url)
    scratch = Path(tempfile.mkdtemp(prefix="trueup-revert-"))
    try:
        with git_session(repo, remote, timeout=repo.timeout or limit) as git:
            bare = scratch / "repo.git"
            await git.git(
                ["init", "--quiet", "--bare", "--end-of-options", str(bare)],
                what="creating a scratch repository",
                cwd=scratch,
            )
            local = f"refs/heads/{branch}"
            fetch = ["fetch", "--quiet", "--no-tags", remote.git_url, f"+{local}:{local}"]
            await git.git(
                ["--git-dir", str(bare), *fetch],
                what=f"fetching branch {branch} of {shown}",
                cwd=scratch,
            )
            done = await git.git(
                ["--git-dir", str(bare), "rev-parse", "--verify", "--quiet", f"{local}^{{commit}}"],
                what=f"reading the head of branch {branch} of {shown}",
                cwd=scratch,
                check=False,
            )
            head = done.stdout.decode().strip()
            if done.returncode != 0 or len(head) != 40:
                raise SourceError(f"branch {branch} of {shown} does not point to a commit")
            yield BranchHistory(git, bare, branch, head, shown)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)

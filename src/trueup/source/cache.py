"""One repository's on-disk cache: a shallow bare repository plus a tree per commit.

Layout under ``<cache_dir>/git/<hash of the normalised URL>/``::

    lock            flock'ed by whoever works on this cache (any process)
    repo.git/       bare repository, fetched with --depth 1
    trees/<sha>/    the checked-out files of one commit, never changed once written
    trees/.tmp-*    a checkout in progress; renamed into place when complete

A tree directory exists only when its checkout finished (rename is atomic), so its
existence alone means "reuse me". Callers hold the lock for every method here.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import fcntl
import os
import shutil
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path

from trueup.errors import SourceError
from trueup.source.gitcmd import GitRunner

_LOCK_POLL_SECONDS = 0.05


@contextlib.asynccontextmanager
async def file_lock(path: Path) -> AsyncIterator[None]:
    """Hold an exclusive ``flock`` on ``path``; waiting stays cancellable (polls, no thread)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError as e:
                if e.errno not in (errno.EAGAIN, errno.EACCES):
                    raise
            await asyncio.sleep(_LOCK_POLL_SECONDS)
        yield
    finally:
        os.close(fd)  # closing releases the lock


class RepositoryCache:
    """The cache directory of one repository; see the module docstring for its layout."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.bare = root / "repo.git"
        self.trees = root / "trees"
        self.lock_file = root / "lock"

    def tree(self, commit: str) -> Path:
        """Where the files of ``commit`` are (or will be) checked out."""
        return self.trees / commit

    def has_tree(self, commit: str) -> bool:
        """Whether ``commit`` was checked out completely before."""
        return self.tree(commit).is_dir()

    async def prepare(self, git: GitRunner) -> None:
        """Create the bare repository if missing or broken; drop unfinished checkouts."""
        self.trees.mkdir(parents=True, exist_ok=True)
        for leftover in self.trees.glob(".tmp-*"):
            shutil.rmtree(leftover, ignore_errors=True)
        if (self.bare / "HEAD").is_file() and (self.bare / "objects").is_dir():
            return
        shutil.rmtree(self.bare, ignore_errors=True)
        await git.git(
            ["init", "--quiet", "--bare", "--end-of-options", str(self.bare)],
            what=f"creating the cache repository {self.bare}",
            cwd=self.root,
        )

    async def has_commit(self, git: GitRunner, commit: str) -> bool:
        """Whether the bare repository holds the commit object ``commit``."""
        done = await git.git(
            ["--git-dir", str(self.bare), "cat-file", "-e", f"{commit}^{{commit}}"],
            what="looking up a cached commit",
            cwd=self.root,
            check=False,
        )
        return done.returncode == 0

    async def fetch(
        self, git: GitRunner, url: str, refspec: str, local_ref: str, shown: str
    ) -> str:
        """Fetch ``refspec`` shallowly from ``url``; return the commit ``local_ref`` points to."""
        fetch = ["fetch", "--quiet", "--depth=1", "--no-tags", "--end-of-options", url, refspec]
        await git.git(
            ["--git-dir", str(self.bare), *fetch],
            what=f"fetching {shown}",
            cwd=self.root,
        )
        parse = ["rev-parse", "--verify", "--quiet", "--end-of-options", f"{local_ref}^{{commit}}"]
        done = await git.git(
            ["--git-dir", str(self.bare), *parse],
            what=f"reading the fetched commit of {shown}",
            cwd=self.root,
            check=False,
        )
        commit = done.stdout.decode().strip()
        if done.returncode != 0 or len(commit) != 40:
            raise SourceError(f"{local_ref} fetched from {shown} does not point to a commit")
        return commit

    async def fetch_reachable(
        self, git: GitRunner, url: str, commit: str, local_ref: str, shown: str
    ) -> str:
        """Fetch every branch and tag of ``url`` with their whole history, and point
        ``local_ref`` at ``commit`` if one of them reaches it; return ``commit``.

        For a server that refuses to send a commit asked for by id (git's protocol v0, as a
        plain SSH server speaks it, answers only for the commits its refs point to).
        """
        base = ["--git-dir", str(self.bare)]
        shallow = await git.git(
            [*base, "rev-parse", "--is-shallow-repository"], what="reading the cache", cwd=self.root
        )
        deepen = ["--unshallow"] if shallow.stdout.decode().strip() == "true" else []
        refspecs = [
            "+refs/heads/*:refs/trueup/reach/heads/*",
            "+refs/tags/*:refs/trueup/reach/tags/*",
        ]
        await git.git(
            [*base, "fetch", "--quiet", "--no-tags", *deepen, "--end-of-options", url, *refspecs],
            what=f"fetching the history of {shown}",
            cwd=self.root,
        )
        if not await self.has_commit(git, commit):
            raise SourceError(
                f"commit {commit} is in no branch or tag of {shown} (it may have been "
                "removed by a force push); pick a commit the repository still has"
            )
        await git.git(
            [*base, "update-ref", "--end-of-options", local_ref, commit],
            what=f"remembering commit {commit}",
            cwd=self.root,
        )
        return commit

    async def checkout(self, git: GitRunner, commit: str) -> Path:
        """Write the files of ``commit`` into their tree directory, atomically."""
        final = self.tree(commit)
        staging = Path(tempfile.mkdtemp(prefix=f".tmp-{commit[:12]}-", dir=self.trees))
        index = git.home / f"index-{commit}"
        env = {"GIT_INDEX_FILE": str(index)}
        base = ["--git-dir", str(self.bare), "--work-tree", str(staging)]
        try:
            for args in (["read-tree", "--end-of-options", commit], ["checkout-index", "-a", "-f"]):
                await git.run(
                    ["git", *base, *args],
                    what=f"checking out commit {commit}",
                    cwd=staging,
                    env=env,
                )
            os.rename(staging, final)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
            index.unlink(missing_ok=True)
        return final

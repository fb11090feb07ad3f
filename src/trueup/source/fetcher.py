"""Fetch a Git source into the shared cache and return the checked-out revision.

One fetch: validate (nothing runs for a refused URL or ref) → lock the repository's cache
(an asyncio lock within this process, ``flock`` across processes) → then, within the
source's timeout: ask the remote what the ref points to → reuse the tree if that commit is
already checked out, else fetch it shallowly and check it out → verify its signature when
asked → read the commit's author, subject and time (once per commit and fetcher).
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from trueup.errors import SourceError, SourceUnavailableError
from trueup.gitspec import RefKind
from trueup.source.cache import RepositoryCache, file_lock
from trueup.source.commits import CommitReader
from trueup.source.gitcmd import GitRunner
from trueup.source.model import Artifact, GitRepository, revision_of
from trueup.source.redact import redact_url
from trueup.source.resolve import resolve
from trueup.source.session import git_session
from trueup.source.validate import Remote, validate_repository
from trueup.source.verify import verify_commit


class GitFetcher:
    """Resolves Git sources to revisions and checked-out trees, cached under ``cache_dir``.

    One fetcher serves any number of apps and repositories concurrently; fetches of the
    same repository are serialised, and every app on a repository shares its cache, also
    across runs and processes. ``allow_file`` permits local repositories (absolute paths
    and ``file://``). A fetch takes at most the repository's ``timeout`` (its GitSource's
    ``spec.timeout``), else ``timeout`` seconds; the wait for another fetch of the same
    repository is not counted. Raises
    :class:`~trueup.errors.SourceError` for a refused source and
    :class:`~trueup.errors.SourceUnavailableError` when Git cannot be reached.
    """

    def __init__(self, cache_dir: Path, *, allow_file: bool = True, timeout: float = 60) -> None:
        self._cache_dir = Path(cache_dir)
        self._allow_file = allow_file
        self._timeout = timeout
        self._locks: dict[str, asyncio.Lock] = {}
        self.commits = CommitReader()
        """The details of every commit fetched, read from git once each."""

    async def fetch(self, repo: GitRepository) -> Artifact:
        """Resolve ``repo.ref``, make its tree available, and return where it is."""
        remote = validate_repository(repo, allow_file=self._allow_file)
        shown = redact_url(repo.url)
        cache = RepositoryCache(self._cache_dir / "git" / remote.cache_key)
        lock = self._locks.setdefault(remote.cache_key, asyncio.Lock())
        timeout = repo.timeout or self._timeout
        async with lock, file_lock(cache.lock_file):
            try:
                async with asyncio.timeout(timeout):
                    with git_session(repo, remote, timeout=timeout) as git:
                        return await self._fetch_locked(git, repo, remote, cache, shown)
            except TimeoutError:
                raise SourceUnavailableError(
                    f"fetching {shown} timed out after {timeout:g}s (raise the GitSource's "
                    "spec.timeout for a slow server or a large repository; trueup keeps the "
                    "last good revision and retries)"
                ) from None

    async def _fetch_locked(
        self,
        git: GitRunner,
        repo: GitRepository,
        remote: Remote,
        cache: RepositoryCache,
        shown: str,
    ) -> Artifact:
        await cache.prepare(git)
        target = await resolve(git, repo.ref, remote.git_url, cwd=cache.root, shown=shown)
        commit = target.commit
        reusable = commit is not None and cache.has_tree(commit)
        if reusable and repo.verify is not None:
            assert commit is not None
            reusable = await cache.has_commit(git, commit)
        if not reusable or commit is None:
            try:
                commit = await cache.fetch(
                    git, remote.git_url, target.refspec, target.local_ref, shown
                )
            except SourceError as e:
                if repo.ref.kind is not RefKind.COMMIT or not _unadvertised(e):
                    raise
                assert target.commit is not None
                commit = await cache.fetch_reachable(
                    git, remote.git_url, target.commit, target.local_ref, shown
                )
        if repo.verify is not None:
            await verify_commit(git, cache.bare, commit, repo.verify, shown=shown)
        root = cache.tree(commit)
        if not cache.has_tree(commit):
            root = await cache.checkout(git, commit)
        return Artifact(
            url=shown,
            revision=revision_of(repo.ref, target.name, commit),
            commit=commit,
            root=root,
            details=await self.commits.read(git, cache.bare, commit),
        )


def _unadvertised(error: SourceError) -> bool:
    """Whether the server refused a commit asked for by id (protocol v0 without
    ``uploadpack.allowReachableSHA1InWant``), rather than not having it."""
    text = str(error)
    return "unadvertised object" in text or "not our ref" in text

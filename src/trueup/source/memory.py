"""An in-memory :class:`~trueup.source.protocol.Source` for fast tests of the engine.

Repositories are file trees kept in memory: :meth:`MemorySource.commit` adds a commit (a
whole tree, with its author, subject and time) at the tip of a branch,
:meth:`MemorySource.tag` names a commit. A fetch checks the repository description with
the same rules as :class:`GitFetcher` (so a refused URL or ref is refused here too),
resolves the ref like ``git ls-remote`` would (branch, tag, semver range over the tags, or
a full commit id) and writes the commit's tree once under ``root/<commit>``. Tests may
make every fetch of a URL fail (:meth:`MemorySource.fail`) and read what was asked
(:attr:`MemorySource.fetches`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath

from trueup.errors import SourceError, TrueupError
from trueup.gitspec import Commit, GitRef, RefKind, semver
from trueup.source.model import Artifact, GitRepository, revision_of
from trueup.source.validate import validate_repository

Tree = Mapping[str, str | bytes]
"""A commit's files: a relative POSIX path → its content."""


class _Repository:
    def __init__(self) -> None:
        self.commits: dict[str, dict[str, bytes]] = {}
        self.details: dict[str, Commit] = {}
        self.branches: dict[str, str] = {}
        self.tags: dict[str, str] = {}


class MemorySource:
    """Implements ``Source`` from in-memory trees, checked out under ``root``."""

    def __init__(self, root: Path) -> None:
        self._root = Path(root)
        self._repos: dict[str, _Repository] = {}
        self._faults: dict[str, TrueupError] = {}
        self.fetches: list[GitRepository] = []
        """Every fetch asked for, in order (also the refused and failed ones)."""

    def commit(
        self,
        url: str,
        files: Tree,
        *,
        branch: str = "main",
        subject: str = "",
        author: str = "Test Author",
        email: str = "author@example.com",
        at: datetime | None = None,
    ) -> str:
        """Make ``files`` (the whole tree) a new commit at the tip of ``branch`` of ``url``.

        Returns the commit id (40 hex digits, derived from the parent and the tree). A path
        with ``..``, or an absolute one, is refused: the tree must stay under ``root``.
        ``subject``, ``author``, ``email`` and ``at`` (default: now) are what fetches of it
        report as its details.
        """
        repo = self._repos.setdefault(url, _Repository())
        tree: dict[str, bytes] = {}
        for path, content in files.items():
            pure = PurePosixPath(path)
            if pure.is_absolute() or ".." in pure.parts or not pure.parts:
                raise ValueError(f"a tree path must be relative and stay inside: {path!r}")
            tree[str(pure)] = content.encode() if isinstance(content, str) else content
        digest = hashlib.sha1(usedforsecurity=False)
        digest.update(repo.branches.get(branch, "").encode())
        for path in sorted(tree):
            digest.update(b"\0" + path.encode() + b"\0" + tree[path])
        commit = digest.hexdigest()
        repo.commits[commit] = tree
        when = at if at is not None else datetime.now(UTC)
        repo.details[commit] = Commit(commit, author, email, subject, when)
        repo.branches[branch] = commit
        return commit

    def tag(self, url: str, name: str, commit: str) -> None:
        """Point tag ``name`` of ``url`` at ``commit`` (one made by :meth:`commit`)."""
        repo = self._repos[url]
        if commit not in repo.commits:
            raise ValueError(f"{url} has no commit {commit}")
        repo.tags[name] = commit

    def fail(self, url: str, error: TrueupError | None) -> None:
        """Make every fetch of ``url`` raise ``error`` (after validation); None heals it."""
        if error is None:
            self._faults.pop(url, None)
        else:
            self._faults[url] = error

    async def fetch(self, repo: GitRepository) -> Artifact:
        """Resolve ``repo.ref`` in the in-memory repository and check its tree out."""
        self.fetches.append(repo)
        validate_repository(repo, allow_file=True)
        if (fault := self._faults.get(repo.url)) is not None:
            raise fault
        stored = self._repos.get(repo.url)
        if stored is None:
            raise SourceError(f"repository {repo.url} not found (check the URL)")
        name, commit = _resolve(stored, repo.ref, repo.url)
        root = self._root / commit
        if not root.exists():
            for path, content in stored.commits[commit].items():
                file = root / path
                file.parent.mkdir(parents=True, exist_ok=True)
                file.write_bytes(content)
            root.mkdir(parents=True, exist_ok=True)
        return Artifact(
            url=repo.url,
            revision=revision_of(repo.ref, name, commit),
            commit=commit,
            root=root,
            details=stored.details[commit],
        )


def _resolve(repo: _Repository, ref: GitRef, url: str) -> tuple[str, str]:
    """(branch or tag name, commit) that ``ref`` points to, as ``resolve`` would find them."""
    if ref.kind is RefKind.COMMIT:
        commit = ref.value.lower()
        if commit not in repo.commits:
            raise SourceError(f"commit {commit} does not exist in {url}")
        return commit, commit
    if ref.kind is RefKind.SEMVER:
        chosen = semver.select(semver.parse_range(ref.value), repo.tags)
        if chosen is None:
            raise SourceError(f"no tag of {url} matches {ref.describe()}")
        return chosen[0], repo.tags[chosen[0]]
    names = repo.branches if ref.kind is RefKind.BRANCH else repo.tags
    if ref.value not in names:
        raise SourceError(f"{ref.describe()} does not exist in {url} (check the ref's name)")
    return ref.value, names[ref.value]

"""What an update branch holds now, and whether trueup owns it.

trueup force-pushes (with a lease) only to an update branch it created and owns. It owns
a branch when the branch's head is a commit it wrote for this ImageUpdate: the commit
carries the trailer ``Trueup-Image-Update: ImageUpdate/<name>`` (:func:`trailer`). A
commit someone else pushed on top hides the trailer, and trueup then leaves the branch
alone and says so, rather than throwing their work away.

:func:`update_branch` asks the remote with the *write* credentials (``ls-remote``, then a
fetch of the head commit and its parent into a private scratch repository, removed
afterwards); credentials stay in the source session's scratch directory, as for a fetch.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from trueup.errors import SourceError
from trueup.gitwrite import WritableRepository
from trueup.source.redact import redact_url
from trueup.source.resolve import list_remote
from trueup.source.session import git_session
from trueup.source.validate import validate_repository

TRAILER = "Trueup-Image-Update"
_FIELD = "\x1f"


def trailer(update_id: str) -> str:
    """The trailer line of every commit trueup writes for the ImageUpdate ``update_id``."""
    return f"{TRAILER}: {update_id}"


@dataclass(frozen=True, slots=True)
class BranchState:
    """The remote's heads of an update branch and its base, as read just now.

    ``head`` is None when the update branch does not exist; ``parent`` and ``message`` are
    those of its head commit; ``base`` is the head of the base branch.
    """

    branch: str
    base: str
    head: str | None = None
    parent: str | None = None
    message: str = ""

    def owned_by(self, update_id: str) -> bool:
        """Whether the branch's head is a commit trueup wrote for ``update_id``."""
        return self.head is not None and trailer(update_id) in self.message.splitlines()


async def update_branch(
    target: WritableRepository, branch: str, base: str, *, allow_file: bool = True
) -> BranchState:
    """The state of ``branch`` (and the head of ``base``) on ``target``'s remote."""
    repository = target.repository
    remote = validate_repository(repository, allow_file=allow_file)
    shown = redact_url(repository.url)
    scratch = Path(tempfile.mkdtemp(prefix="trueup-images-"))
    try:
        with git_session(repository, remote, timeout=repository.timeout or 60) as git:
            wanted = [f"refs/heads/{branch}", f"refs/heads/{base}"]
            refs = await list_remote(git, remote.git_url, wanted, cwd=scratch, shown=shown)
            base_head = refs.get(f"refs/heads/{base}")
            if base_head is None:
                raise SourceError(f"branch '{base}' does not exist in {shown} (check the base)")
            head = refs.get(f"refs/heads/{branch}")
            if head is None:
                return BranchState(branch, base_head)
            bare = scratch / "repo.git"
            await git.git(
                ["init", "--quiet", "--bare", "--end-of-options", str(bare)],
                what="creating a scratch repository",
                cwd=scratch,
            )
            local = f"refs/heads/{branch}"
            await git.git(
                ["--git-dir", str(bare), "fetch", "--quiet", "--no-tags", "--depth", "2",
                 "--end-of-options", remote.git_url, f"+{local}:{local}"],
                what=f"fetching branch '{branch}' of {shown}",
                cwd=scratch,
            )  # fmt: skip
            done = await git.git(
                ["--git-dir", str(bare), "log", "-1", f"--format=%P{_FIELD}%B", local],
                what=f"reading the head of branch '{branch}' of {shown}",
                cwd=scratch,
            )
            parents, _, message = done.stdout.decode("utf-8", "replace").partition(_FIELD)
            parent = parents.split()[0] if parents.split() else None
            return BranchState(branch, base_head, head, parent, message)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)

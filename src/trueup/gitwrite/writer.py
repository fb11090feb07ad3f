"""Push one change to a branch: fetch, edit, commit, push; re-apply when the branch moved.

One write runs in a private scratch directory (:func:`trueup.source.session.git_session`:
credentials as 0600 files and environment, never arguments) holding a fresh work tree:

1. fetch the branch's head shallowly (for an owned branch: its ``base``) and check it out;
2. run ``edit`` on the work tree; nothing to commit → done, nothing pushed;
3. commit as the configured author and committer, signed when a key is given;
4. push without force. Rejected because the branch moved (someone pushed in between)?
   Start again at 1 on the new head, so that the change is re-applied on top of theirs
   and history stays linear, at most ``retries`` times. Refused for any other reason?
   Raise, never force.

Each attempt is bounded by the repository's timeout; git and its helpers are killed with
their process group when it runs out, and the scratch directory is always removed.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace

from trueup.errors import (
    PushConflictError,
    PushRejectedError,
    SourceError,
    SourceUnavailableError,
    TrueupError,
)
from trueup.gitspec import GitRef, RefKind, ref_problem
from trueup.gitwrite.model import (
    WritableRepository,
    WriteRequest,
    WriteResult,
    check_message,
)
from trueup.gitwrite.push import Outcome, push_status
from trueup.gitwrite.signing import signing_options, stop_signing
from trueup.source.diagnose import Fault, classify, error_for, summarise
from trueup.source.gitcmd import GitRunner
from trueup.source.redact import redact_url
from trueup.source.session import git_session
from trueup.source.validate import Remote, validate_repository

DEFAULT_TIMEOUT = 60.0
_BASE_REF = "refs/trueup/base"


async def write(
    target: WritableRepository, request: WriteRequest, *, allow_file: bool = True
) -> WriteResult:
    """Make ``request``'s change on its branch of ``target`` and push it.

    Returns what was done (nothing, when ``edit`` changed nothing). Raises
    :class:`~trueup.errors.PushRejectedError` when the server refuses the push (protected
    branch, hook, permission), :class:`~trueup.errors.PushConflictError` when the branch
    moved under every attempt or a lease is stale,
    :class:`~trueup.errors.SourceUnavailableError` when Git cannot be reached or an attempt
    times out, and :class:`~trueup.errors.SourceError` for a refused request or source.
    ``allow_file`` permits local repositories, as for fetches.
    """
    _check_request(target, request)
    repository = replace(target.repository, ref=GitRef(branch=request.branch), verify=None)
    remote = validate_repository(repository, allow_file=allow_file)
    timeout = repository.timeout or DEFAULT_TIMEOUT
    with git_session(repository, remote, timeout=timeout) as git:
        try:
            return await _Write(git, target, request, remote, timeout).run()
        finally:
            await stop_signing(git, target.signing)


def _check_request(target: WritableRepository, request: WriteRequest) -> None:
    names = [("branch", request.branch)]
    if request.base is not None:
        names.append(("base branch", request.base))
    for what, name in names:
        if (problem := ref_problem(RefKind.BRANCH, name)) is not None:
            raise SourceError(f"cannot write to {what} {problem.message} ({problem.hint})")
    if request.expected is not None and ref_problem(RefKind.COMMIT, request.expected):
        raise SourceError(
            f"the lease for branch '{request.branch}' must be a full commit id, "
            f"not {request.expected[:80]!r}"
        )
    followed = target.repository.ref
    if request.force_with_lease and followed.branch == request.branch:
        raise SourceError(
            f"refusing to force-push to '{request.branch}': it is the branch the source "
            "follows, and trueup force-pushes only to branches it owns"
        )


class _Write:
    """The attempts of one write, sharing a session and a work tree."""

    def __init__(
        self,
        git: GitRunner,
        target: WritableRepository,
        request: WriteRequest,
        remote: Remote,
        timeout: float,
    ) -> None:
        self._git = git
        self._target = target
        self._request = request
        self._url = remote.git_url
        self._shown = redact_url(target.repository.url)
        self._timeout = timeout
        self._work = git.home / "work"
        self._ref = f"refs/heads/{request.branch}"

    async def run(self) -> WriteResult:
        request = self._request
        await self._git.git(
            ["init", "--quiet", "-b", "trueup-write", str(self._work)],
            what="preparing a work tree",
            cwd=self._git.home,
        )
        sign = (
            await signing_options(self._git, self._target.signing)
            if self._target.signing is not None
            else []
        )
        attempts = self._target.retries + 1
        for attempt in range(1, attempts + 1):
            try:
                async with asyncio.timeout(self._timeout):
                    parent = await self._start()
                    commit = await self._change(sign)
                    if commit is None:
                        return WriteResult(request.branch, parent, parent, attempt - 1, False)
                    status = await self._push()
            except TimeoutError:
                raise SourceUnavailableError(
                    f"writing to branch '{request.branch}' of {self._shown} timed out after "
                    f"{self._timeout:g}s (raise the GitSource's spec.timeout for a slow server)"
                ) from None
            if status is None:
                return WriteResult(request.branch, commit, parent, attempt, True)
            if attempt == attempts:
                break
        raise PushConflictError(
            f"pushing to branch '{request.branch}' of {self._shown} was rejected {attempts} "
            "time(s) because others pushed in between each time; the change was not made "
            "(it is retried later; raise spec.write.retries for a busy branch)"
        )

    async def _start(self) -> str:
        """Fetch the head to work on, check it out clean; return its commit id."""
        source = self._request.base or self._request.branch
        what = f"fetching branch '{source}' of {self._shown}"
        fetched = await self._git.git(
            [
                "fetch",
                "--quiet",
                "--no-tags",
                "--depth",
                "1",
                "--end-of-options",
                self._url,
                f"+refs/heads/{source}:{_BASE_REF}",
            ],
            what=what,
            cwd=self._work,
            check=False,
        )
        if fetched.returncode != 0:
            raise _failure(what, fetched.stderr)
        await self._git.git(
            ["checkout", "--quiet", "--force", "-B", "trueup-write", _BASE_REF],
            what="checking out the work tree",
            cwd=self._work,
        )
        await self._git.git(
            ["clean", "--quiet", "-ffdx"], what="cleaning the work tree", cwd=self._work
        )
        return await self._head()

    async def _change(self, sign: list[str]) -> str | None:
        """Run the edit and commit what it changed; the new commit, or None if nothing."""
        if not await self._request.edit(self._work):
            return None
        await self._git.git(["add", "--all"], what="staging the change", cwd=self._work)
        staged = await self._git.git(
            ["diff", "--cached", "--quiet"], what="looking for changes", cwd=self._work, check=False
        )
        if staged.returncode == 0:
            return None
        author = self._target.author
        identity = {
            "GIT_AUTHOR_NAME": author.name,
            "GIT_AUTHOR_EMAIL": author.email,
            "GIT_COMMITTER_NAME": author.name,
            "GIT_COMMITTER_EMAIL": author.email,
        }
        done = await self._git.run(
            [
                "git",
                *sign,
                "commit",
                "--quiet",
                "--no-verify",
                *(["-S"] if sign else []),
                "--cleanup=strip",
                "-F",
                "-",
            ],
            what="committing the change",
            cwd=self._work,
            stdin=self._message().encode(),
            env=identity,
            check=False,
        )
        if done.returncode != 0:
            signing = " (check the signing key)" if sign else ""
            raise SourceError(f"committing the change failed: {summarise(done.stderr)}{signing}")
        return await self._head()

    def _message(self) -> str:
        message = self._request.message
        return check_message(message if isinstance(message, str) else message())

    async def _push(self) -> str | None:
        """Push the work tree's head; None when it landed, the reason when the branch moved."""
        request = self._request
        lease: list[str] = []
        if request.force_with_lease:
            lease = [f"--force-with-lease={self._ref}:{request.expected or ''}"]
        what = f"pushing to branch '{request.branch}' of {self._shown}"
        done = await self._git.git(
            ["push", "--porcelain", *lease, "--end-of-options", self._url, f"HEAD:{self._ref}"],
            what=what,
            cwd=self._work,
            check=False,
        )
        status = push_status(done.stdout.decode("utf-8", "replace"), self._ref)
        if status.outcome is Outcome.PUSHED and done.returncode == 0:
            return None
        if status.outcome is Outcome.MOVED:
            return status.reason
        if status.outcome is Outcome.STALE:
            expected = request.expected or "absent"
            raise PushConflictError(
                f"{what} failed: the branch is no longer at {expected}, as the lease expected "
                "(someone else changed it; look at it again before replacing it)"
            )
        if status.outcome is Outcome.REFUSED:
            raise PushRejectedError(
                f"{what} was refused by the server: {status.reason} (a protected branch or a "
                "server-side hook; trueup never forces a push: allow its write credentials to "
                "push there, or have it write to another branch)"
            )
        raise _failure(what, done.stderr)

    async def _head(self) -> str:
        done = await self._git.git(
            ["rev-parse", "--verify", "HEAD^{commit}"], what="reading the head", cwd=self._work
        )
        return done.stdout.decode().strip()


def _failure(what: str, stderr: str) -> TrueupError:
    """The error for a fetch or push that failed before any ref was updated."""
    if classify(stderr) is Fault.AUTH:
        return PushRejectedError(
            f"{what} failed: the server refused the write credentials, or none were "
            f"configured (git: {summarise(stderr)}) (check spec.write.secretRef and that "
            "its credentials may push to this repository)"
        )
    return error_for(what, stderr)

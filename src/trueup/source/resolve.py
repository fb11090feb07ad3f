"""Ask the remote which commit a ref points to, with ``git ls-remote``.

Branches and tags are looked up by exact name; a semver range is resolved over every tag
the remote lists, annotated tags by the commit they point to.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from trueup.errors import SourceError, SourceUnavailableError
from trueup.gitspec import GitRef, RefKind, semver
from trueup.source.gitcmd import GitRunner
from trueup.words import counted

_PEELED = "^{}"


@dataclass(frozen=True)
class Target:
    """What to fetch for a ref: its display name, commit (if known), refspec and local ref."""

    name: str
    commit: str | None
    refspec: str
    local_ref: str


async def resolve(git: GitRunner, ref: GitRef, url: str, *, cwd: Path, shown: str) -> Target:
    """Resolve ``ref`` on the remote ``url``; :class:`SourceError` if it does not exist."""
    if ref.kind is RefKind.COMMIT:
        commit = ref.value.lower()
        local = f"refs/trueup/commits/{commit}"
        return Target(commit, commit, f"{commit}:{local}", local)
    if ref.kind is RefKind.SEMVER:
        return await _resolve_range(git, ref, url, cwd=cwd, shown=shown)
    prefix = "refs/heads/" if ref.kind is RefKind.BRANCH else "refs/tags/"
    full = prefix + ref.value
    # The peeled pattern makes an annotated tag list the commit it points to.
    patterns = [full] if ref.kind is RefKind.BRANCH else [full, full + _PEELED]
    refs = await list_remote(git, url, patterns, cwd=cwd, shown=shown)
    found = refs.get(full)
    if found is None:
        _require_git_answer(refs, shown)
        raise SourceError(f"{ref.describe()} does not exist in {shown} (check the ref's name)")
    return Target(ref.value, found, f"+{full}:{full}", full)


async def list_remote(
    git: GitRunner, url: str, patterns: list[str], *, cwd: Path, shown: str
) -> dict[str, str]:
    """Map ``HEAD`` and each ref matching ``patterns`` to its commit (tags peeled)."""
    done = await git.git(
        ["ls-remote", "--end-of-options", url, "HEAD", *patterns],
        what=f"listing the refs of {shown}",
        cwd=cwd,
    )
    refs: dict[str, str] = {}
    peeled: dict[str, str] = {}
    for line in done.stdout.decode("utf-8", "replace").splitlines():
        sha, _, name = line.partition("\t")
        if len(sha) != 40 or not name:
            continue
        if name.endswith(_PEELED):
            peeled[name[: -len(_PEELED)]] = sha
        else:
            refs[name] = sha
    refs.update((name, sha) for name, sha in peeled.items() if name in refs)
    return refs


async def _resolve_range(git: GitRunner, ref: GitRef, url: str, *, cwd: Path, shown: str) -> Target:
    range_ = semver.parse_range(ref.value)
    refs = await list_remote(git, url, ["refs/tags/*"], cwd=cwd, shown=shown)
    tags = {
        name.removeprefix("refs/tags/"): sha
        for name, sha in refs.items()
        if name.startswith("refs/tags/")
    }
    chosen = semver.select(range_, tags)
    if chosen is None:
        _require_git_answer(refs, shown)
        raise SourceError(
            f"no tag of {shown} matches {ref.describe()} ({counted(len(tags), 'tag')} listed; "
            "tags must be versions like v1.2.3 or 1.2.3)"
        )
    tag = chosen[0]
    full = f"refs/tags/{tag}"
    return Target(tag, tags[tag], f"+{full}:{full}", full)


def _require_git_answer(refs: dict[str, str], shown: str) -> None:
    """A reachable repository with commits always lists HEAD; a server that answered
    with something other than Git (an HTML error page with status 200) lists nothing."""
    if not refs:
        raise SourceUnavailableError(
            f"{shown} listed no refs at all: the repository is empty, or the server did not "
            "answer with Git (an error page?); trueup keeps the last good revision and retries"
        )

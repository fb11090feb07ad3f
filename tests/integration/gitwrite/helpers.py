"""Builders and readers shared by the Git writer's integration tests."""

from __future__ import annotations

import subprocess
from collections.abc import Awaitable, Callable
from pathlib import Path

from tests.servers.fixtures import HTTP_PASSWORD, HTTP_USER, ServedRepo
from tests.servers.git_http import GitHttpServer
from trueup.gitwrite import Author, SigningKey, WritableRepository
from trueup.source import GitAuth, GitRef, GitRepository

BASIC = GitAuth(username=HTTP_USER, password=HTTP_PASSWORD)
BOT = Author("Deploy Bot", "bot@example.test")


def over_https(
    server: GitHttpServer,
    repo: ServedRepo,
    *,
    auth: GitAuth | None = BASIC,
    retries: int = 3,
    signing: SigningKey | None = None,
    timeout: float | None = None,
) -> WritableRepository:
    """``repo`` served by ``server`` (HTTPS with its test CA), following ``main``."""
    assert server.tls is not None
    source = GitRepository(
        server.url(repo.name),
        GitRef(branch="main"),
        auth=auth,
        ca_cert=server.tls.ca_pem,
        timeout=timeout,
    )
    return WritableRepository(source, author=BOT, signing=signing, retries=retries)


def bare_git(bare: Path, *args: str) -> str:
    """Run git on a served bare repository; stdout stripped."""
    done = subprocess.run(
        ["git", "--git-dir", str(bare), *args],
        capture_output=True,
        text=True,
        check=True,
        env={"PATH": "/usr/bin:/bin", "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": "/dev/null"},
    )
    return done.stdout.strip()


def head(bare: Path, branch: str = "main") -> str:
    return bare_git(bare, "rev-parse", f"refs/heads/{branch}")


def show(bare: Path, path: str, branch: str = "main") -> str:
    return bare_git(bare, "show", f"refs/heads/{branch}:{path}")


def first_parent_subjects(bare: Path, branch: str = "main") -> list[str]:
    """Subjects from the head back, refusing any merge commit (history must be linear)."""
    for line in bare_git(bare, "rev-list", "--parents", f"refs/heads/{branch}").splitlines():
        assert len(line.split()) <= 2, f"merge commit in history: {line}"
    return bare_git(bare, "log", "--format=%s", f"refs/heads/{branch}").splitlines()


def writes(files: dict[str, str]) -> Callable[[Path], Awaitable[bool]]:
    """An edit that writes ``files`` into the work tree and says it changed something."""

    async def edit(tree: Path) -> bool:
        for name, content in files.items():
            target = tree / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(content)
        return True

    return edit


def leftovers(directory: Path) -> list[str]:
    """What is left in a directory (the writer's temporary directories, after a write)."""
    return sorted(p.name for p in directory.iterdir())

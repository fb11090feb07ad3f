"""Small builders shared by the source integration tests."""

from __future__ import annotations

import subprocess
from pathlib import Path

from tests.servers.fixtures import HTTP_PASSWORD, HTTP_USER, ServedRepo
from tests.servers.git_http import GitHttpServer
from trueup.source import GitAuth, GitRef, GitRepository, SignaturePolicy

MAIN = GitRef(branch="main")
BASIC = GitAuth(username=HTTP_USER, password=HTTP_PASSWORD)


def over_https(
    server: GitHttpServer,
    repo: ServedRepo,
    ref: GitRef = MAIN,
    *,
    auth: GitAuth | None = BASIC,
    verify: SignaturePolicy | None = None,
) -> GitRepository:
    """The source for ``repo`` served by ``server`` (HTTPS with its test CA)."""
    assert server.tls is not None
    return GitRepository(
        server.url(repo.name), ref, auth=auth, verify=verify, ca_cert=server.tls.ca_pem
    )


def checkouts(cache_dir: Path) -> list[Path]:
    """Every finished checkout in a fetcher's cache."""
    return sorted(p for p in cache_dir.glob("git/*/trees/*") if not p.name.startswith("."))


def live_processes_mentioning(text: str) -> list[str]:
    """Command lines of live (non-zombie) processes that contain ``text``."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes()
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except (OSError, IndexError):
            continue
        if text.encode() in cmdline and state != "Z":
            found.append(cmdline.replace(b"\0", b" ").decode(errors="replace"))
    return found


def is_shallow(bare: Path) -> bool:
    """What ``git rev-parse --is-shallow-repository`` says about a bare repository."""
    done = subprocess.run(
        ["git", "--git-dir", str(bare), "rev-parse", "--is-shallow-repository"],
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip() == "true"


def untouched(cache_dir: Path) -> bool:
    """Whether a fetcher left no trace at all in its cache directory."""
    return not (cache_dir / "git").exists()


def bare_repositories(cache_dir: Path) -> list[Path]:
    """Every cached bare repository."""
    return sorted(cache_dir.glob("git/*/repo.git"))

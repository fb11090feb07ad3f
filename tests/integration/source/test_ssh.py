"""Fetching over a real sshd with a private key and known_hosts."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.servers.fixtures import ServedRepo, SshAccess
from tests.servers.sshd import keygen
from trueup.errors import SourceError
from trueup.source import GitAuth, GitFetcher, GitRef, GitRepository

pytestmark = pytest.mark.anyio


async def test_a_key_and_known_hosts_fetch_over_ssh(
    sshd_server: SshAccess, git_repo: ServedRepo, tmp_path: Path
) -> None:
    auth = GitAuth(ssh_private_key=sshd_server.private_key, ssh_known_hosts=sshd_server.known_hosts)
    source = GitRepository(sshd_server.server.url(git_repo.bare), GitRef(branch="main"), auth=auth)
    artifact = await GitFetcher(tmp_path).fetch(source)
    assert artifact.revision == f"main@sha1:{git_repo.work.head()}"
    assert (artifact.root / "app/config.yaml").is_file()


async def test_an_unknown_host_key_is_refused(
    sshd_server: SshAccess, git_repo: ServedRepo, tmp_path: Path
) -> None:
    known = _impostor_known_hosts(tmp_path, sshd_server.server.port)
    auth = GitAuth(ssh_private_key=sshd_server.private_key, ssh_known_hosts=known)
    source = GitRepository(sshd_server.server.url(git_repo.bare), GitRef(branch="main"), auth=auth)
    with pytest.raises(SourceError, match="known_hosts"):
        await GitFetcher(tmp_path / "cache").fetch(source)


async def test_a_key_the_server_does_not_know_is_a_source_error(
    sshd_server: SshAccess, git_repo: ServedRepo, tmp_path: Path
) -> None:
    stranger = keygen(tmp_path / "stranger")
    auth = GitAuth(ssh_private_key=stranger.read_text(), ssh_known_hosts=sshd_server.known_hosts)
    source = GitRepository(sshd_server.server.url(git_repo.bare), GitRef(branch="main"), auth=auth)
    with pytest.raises(SourceError, match="Permission denied"):
        await GitFetcher(tmp_path / "cache").fetch(source)


def _impostor_known_hosts(directory: Path, port: int) -> str:
    """A known_hosts line for the server's address with some other host key."""
    impostor = keygen(directory / "impostor_host_key")
    key_type, key = Path(f"{impostor}.pub").read_text().split()[:2]
    return f"[127.0.0.1]:{port} {key_type} {key}"

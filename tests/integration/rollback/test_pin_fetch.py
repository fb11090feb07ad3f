"""A pin fetches its commit by id from the real Git servers (HTTPS with basic credentials,
SSH) into an empty cache, also once the branch has moved on past it; the tree is the
commit's, not the branch head's."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.servers.fixtures import HTTP_PASSWORD, HTTP_USER, ServedRepo, SshAccess
from tests.servers.git_http import GitHttpServer
from trueup.inputs.pinned import pinned_ref
from trueup.source import GitAuth, GitFetcher, GitRef, GitRepository
from trueup.store import Pin

pytestmark = pytest.mark.anyio


def pin_of(sha: str) -> Pin:
    return Pin("web", f"main@sha1:{sha}", sha, "cli:alice", datetime.now(UTC))


async def fetched_by_pin(repository: GitRepository, git_repo: ServedRepo, cache: Path) -> None:
    old = git_repo.commit_and_push("Old", {"app/config.yaml": "color: red\n"})
    head = git_repo.commit_and_push("New", {"app/config.yaml": "color: green\n"})
    fetcher = GitFetcher(cache)
    at_head = await fetcher.fetch(repository)
    assert at_head.commit == head

    pinned = await GitFetcher(cache.with_name("empty")).fetch(
        GitRepository(repository.url, pinned_ref(pin_of(old)), auth=repository.auth,
                      ca_cert=repository.ca_cert)
    )  # fmt: skip

    assert pinned.commit == old
    assert (pinned.root / "app" / "config.yaml").read_text() == "color: red\n"
    assert pinned.revision == f"sha1:{old}"


async def test_an_old_commit_is_fetched_by_id_over_https(
    git_https: GitHttpServer, git_repo: ServedRepo, tmp_path: Path
) -> None:
    assert git_https.tls is not None
    auth = GitAuth(username=HTTP_USER, password=HTTP_PASSWORD)
    repository = GitRepository(
        git_https.url(git_repo.name), GitRef(branch="main"), auth=auth, ca_cert=git_https.tls.ca_pem
    )

    await fetched_by_pin(repository, git_repo, tmp_path / "cache")


async def test_an_old_commit_is_fetched_by_id_over_ssh(
    sshd_server: SshAccess, git_repo: ServedRepo, tmp_path: Path
) -> None:
    auth = GitAuth(ssh_private_key=sshd_server.private_key, ssh_known_hosts=sshd_server.known_hosts)
    repository = GitRepository(
        sshd_server.server.url(git_repo.bare), GitRef(branch="main"), auth=auth
    )

    await fetched_by_pin(repository, git_repo, tmp_path / "cache")

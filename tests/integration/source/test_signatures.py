"""Signed commits verify against the configured keys; anything else is refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.integration.source.helpers import checkouts
from tests.servers.fixtures import ServedRepo
from tests.servers.gitrepo import GpgSigner, Signer, SshSigner
from trueup.errors import SourceError
from trueup.source import GitFetcher, GitRef, GitRepository, SignatureMode, SignaturePolicy

pytestmark = pytest.mark.anyio


def gpg_policy(signer: GpgSigner) -> SignaturePolicy:
    return SignaturePolicy(SignatureMode.GPG, (signer.public_key(),))


def ssh_policy(signer: SshSigner) -> SignaturePolicy:
    return SignaturePolicy(SignatureMode.SSH, (signer.allowed_signers_line(),))


def source(repo: ServedRepo, policy: SignaturePolicy) -> GitRepository:
    return GitRepository(repo.path_url, GitRef(branch="main"), verify=policy)


async def test_a_gpg_signed_commit_verifies(
    git_repo: ServedRepo, gpg_signer: GpgSigner, tmp_path: Path
) -> None:
    commit = _signed_commit(git_repo, gpg_signer)
    artifact = await GitFetcher(tmp_path).fetch(source(git_repo, gpg_policy(gpg_signer)))
    assert artifact.commit == commit


async def test_an_ssh_signed_commit_verifies(
    git_repo: ServedRepo, ssh_signer: SshSigner, tmp_path: Path
) -> None:
    commit = _signed_commit(git_repo, ssh_signer)
    artifact = await GitFetcher(tmp_path).fetch(source(git_repo, ssh_policy(ssh_signer)))
    assert artifact.commit == commit


async def test_unsigned_and_wrongly_signed_commits_are_refused_naming_the_commit(
    git_repo: ServedRepo,
    gpg_signer: GpgSigner,
    other_gpg_signer: GpgSigner,
    ssh_signer: SshSigner,
    other_ssh_signer: SshSigner,
    tmp_path: Path,
) -> None:
    cases: list[tuple[Signer | None, SignaturePolicy]] = [
        (None, gpg_policy(gpg_signer)),
        (None, ssh_policy(ssh_signer)),
        (other_gpg_signer, gpg_policy(gpg_signer)),
        (other_ssh_signer, ssh_policy(ssh_signer)),
        (ssh_signer, gpg_policy(gpg_signer)),  # good key, but not the accepted kind
        (gpg_signer, ssh_policy(ssh_signer)),
    ]
    for signer, policy in cases:
        commit = _signed_commit(git_repo, signer)
        with pytest.raises(SourceError, match=f"commit {commit}") as raised:
            await GitFetcher(tmp_path).fetch(source(git_repo, policy))
        assert "no valid" in str(raised.value)
    assert checkouts(tmp_path) == []


async def test_a_cached_commit_is_verified_again_under_a_stricter_policy(
    git_repo: ServedRepo, gpg_signer: GpgSigner, tmp_path: Path
) -> None:
    fetcher = GitFetcher(tmp_path)
    unsigned = await fetcher.fetch(GitRepository(git_repo.path_url, GitRef(branch="main")))
    with pytest.raises(SourceError, match=f"commit {unsigned.commit}"):
        await fetcher.fetch(source(git_repo, gpg_policy(gpg_signer)))


def _signed_commit(repo: ServedRepo, signer: Signer | None) -> str:
    commit = repo.work.commit(f"signed by {signer}", {"app/n.txt": str(signer)}, signer=signer)
    repo.push()
    return commit

"""Commits the writer signs verify with ``git verify-commit`` against the public key,
and not against another key."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from tests.integration.gitwrite.helpers import head, over_https, writes
from tests.servers.fixtures import ServedRepo
from tests.servers.git_http import GitHttpServer
from tests.servers.gitrepo import GpgSigner, SshSigner
from trueup.errors import SourceError
from trueup.gitwrite import SigningKey, SigningMode, WriteRequest, write

pytestmark = pytest.mark.anyio


def verifies_with_ssh(bare: Path, commit: str, signer: SshSigner, directory: Path) -> bool:
    signers = directory / "allowed_signers"
    signers.write_text(signer.allowed_signers_line() + "\n")
    options = ["-c", "gpg.format=ssh", "-c", f"gpg.ssh.allowedSignersFile={signers}"]
    return _verify(bare, commit, options, {})


def verifies_with_gpg(bare: Path, commit: str, signer: GpgSigner) -> bool:
    home = tempfile.mkdtemp(prefix="tv", dir="/tmp")  # agent sockets need a short path
    try:
        os.chmod(home, 0o700)
        subprocess.run(
            ["gpg", "--batch", "--homedir", home, "--import"],
            input=signer.public_key(),
            text=True,
            capture_output=True,
            check=True,
        )
        return _verify(bare, commit, ["-c", "gpg.format=openpgp"], {"GNUPGHOME": home})
    finally:
        subprocess.run(
            ["gpgconf", "--homedir", home, "--kill", "all"], capture_output=True, check=False
        )
        shutil.rmtree(home, ignore_errors=True)


def _verify(bare: Path, commit: str, options: list[str], env: dict[str, str]) -> bool:
    done = subprocess.run(
        ["git", *options, "--git-dir", str(bare), "verify-commit", commit],
        capture_output=True,
        text=True,
        check=False,
        env={
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(bare),
            "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_CONFIG_GLOBAL": "/dev/null",
            **env,
        },
    )
    return done.returncode == 0


def secret_key(signer: GpgSigner) -> str:
    done = subprocess.run(
        ["gpg", "--batch", "--armor", "--export-secret-keys", signer.fingerprint],
        env={**os.environ, "GNUPGHOME": str(signer.home)},
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout


async def test_an_ssh_signed_commit_verifies_against_the_public_key(
    git_https: GitHttpServer,
    git_repo: ServedRepo,
    ssh_signer: SshSigner,
    other_ssh_signer: SshSigner,
    tmp_path: Path,
) -> None:
    key = SigningKey(SigningMode.SSH, ssh_signer.key.read_text())
    writable = over_https(git_https, git_repo, signing=key)
    result = await write(writable, WriteRequest("main", "signed", writes({"a.txt": "a\n"})))
    assert result.pushed
    assert verifies_with_ssh(git_repo.bare, result.commit, ssh_signer, tmp_path)
    assert not verifies_with_ssh(git_repo.bare, result.commit, other_ssh_signer, tmp_path)


async def test_a_gpg_signed_commit_verifies_against_the_public_key(
    git_https: GitHttpServer,
    git_repo: ServedRepo,
    gpg_signer: GpgSigner,
    other_gpg_signer: GpgSigner,
) -> None:
    key = SigningKey(SigningMode.GPG, secret_key(gpg_signer))
    writable = over_https(git_https, git_repo, signing=key)
    result = await write(writable, WriteRequest("main", "signed", writes({"a.txt": "a\n"})))
    assert result.pushed
    assert verifies_with_gpg(git_repo.bare, result.commit, gpg_signer)
    assert not verifies_with_gpg(git_repo.bare, result.commit, other_gpg_signer)


async def test_an_unusable_signing_key_fails_without_pushing_or_showing_the_key(
    git_https: GitHttpServer, git_repo: ServedRepo
) -> None:
    broken = (
        "-----BEGIN OPENSSH PRIVATE KEY-----\nbm90IGEga2V5\n-----END OPENSSH PRIVATE KEY-----\n"
    )
    writable = over_https(git_https, git_repo, signing=SigningKey(SigningMode.SSH, broken))
    before = head(git_repo.bare)
    with pytest.raises(SourceError, match="check the signing key") as caught:
        await write(writable, WriteRequest("main", "signed", writes({"a.txt": "a\n"})))
    assert "bm90IGEga2V5" not in str(caught.value)
    assert head(git_repo.bare) == before

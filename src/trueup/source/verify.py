"""Check that a fetched commit carries a good signature by one of the configured keys.

The keys live only in the fetch's private scratch directory: in ``gpg`` mode an empty
``GNUPGHOME`` into which the armored keys are imported (so no other key on the machine
counts), in ``ssh`` mode an allowed-signers file. ``git verify-commit`` then decides; it
fails for an unsigned commit, a signature by any other key, and a signature of the other
kind (the other mode's trust store is empty).
"""

from __future__ import annotations

import contextlib
import os
import shutil
from pathlib import Path

from trueup.errors import SourceError, TrueupError
from trueup.source.diagnose import summarise
from trueup.source.gitcmd import GitRunner
from trueup.source.model import SignatureMode, SignaturePolicy


async def verify_commit(
    git: GitRunner, repo_dir: Path, commit: str, policy: SignaturePolicy, *, shown: str
) -> None:
    """Raise :class:`SourceError` naming ``commit`` unless its signature satisfies ``policy``."""
    if policy.mode is SignatureMode.GPG:
        gnupghome = git.home / "gnupg"
        await _import_gpg_keys(git, gnupghome, policy.keys, shown=shown)
        config = ["-c", "gpg.format=openpgp"]
    else:
        signers = git.home / "allowed_signers"
        fd = os.open(signers, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write("\n".join(key.strip() for key in policy.keys) + "\n")
        config = ["-c", "gpg.format=ssh", "-c", f"gpg.ssh.allowedSignersFile={signers}"]
    try:
        done = await git.git(
            [*config, "--git-dir", str(repo_dir), "verify-commit", "--end-of-options", commit],
            what=f"verifying commit {commit} of {shown}",
            cwd=repo_dir,
            check=False,
        )
    finally:
        if policy.mode is SignatureMode.GPG:
            await _stop_gpg_agent(git)
    if done.returncode != 0:
        detail = summarise(done.stderr) if done.stderr.strip() else "the commit is not signed"
        raise SourceError(
            f"commit {commit} of {shown} has no valid {policy.mode} signature by a configured "
            f"key: {detail} (sign the commit with a trusted key, or fix the source's "
            "verification keys)"
        )


async def _import_gpg_keys(
    git: GitRunner, gnupghome: Path, keys: tuple[str, ...], *, shown: str
) -> None:
    done = await git.run(
        ["gpg", "--batch", "--no-tty", "--quiet", "--homedir", str(gnupghome), "--import"],
        what=f"importing the gpg verification keys of {shown}",
        cwd=git.home,
        stdin="\n".join(keys).encode(),
        check=False,
    )
    if done.returncode != 0:
        raise SourceError(
            f"the gpg verification keys of {shown} could not be imported: "
            f"{summarise(done.stderr)} (give ASCII-armored public keys)"
        )


async def _stop_gpg_agent(git: GitRunner) -> None:
    """gpg may have started an agent for the scratch home; stop it before the home goes."""
    if shutil.which("gpgconf") is None:
        return
    with contextlib.suppress(TrueupError):
        await git.run(
            ["gpgconf", "--homedir", str(git.home / "gnupg"), "--kill", "all"],
            what="stopping gpg",
            cwd=git.home,
            check=False,
        )

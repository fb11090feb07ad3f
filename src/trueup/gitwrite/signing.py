"""Make a signing key usable by ``git commit -S`` inside a write's scratch directory.

The key never leaves the scratch directory (mode 0700, removed when the write ends): an
SSH key is a 0600 file that ``ssh-keygen -Y sign`` reads (``gpg.format=ssh``); a GPG key
is imported into the session's empty ``GNUPGHOME``, so no other key on the machine can
sign, and its agent is stopped before the directory goes.
"""

from __future__ import annotations

import contextlib
import os
import shutil

from trueup.errors import SourceError, TrueupError
from trueup.gitwrite.model import SigningKey, SigningMode
from trueup.source.diagnose import summarise
from trueup.source.gitcmd import GitRunner


async def signing_options(git: GitRunner, key: SigningKey) -> list[str]:
    """The ``git -c`` options that make ``commit -S`` sign with ``key``."""
    if key.mode is SigningMode.SSH:
        path = git.home / "signing_key"
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            text = key.private_key
            handle.write(text if text.endswith("\n") else text + "\n")
        return ["-c", "gpg.format=ssh", "-c", f"user.signingkey={path}"]
    fingerprint = await _import_gpg_key(git, key)
    return ["-c", "gpg.format=openpgp", "-c", f"user.signingkey={fingerprint}"]


async def _import_gpg_key(git: GitRunner, key: SigningKey) -> str:
    gnupghome = str(git.home / "gnupg")
    base = ["gpg", "--batch", "--no-tty", "--quiet", "--homedir", gnupghome]
    done = await git.run(
        [*base, "--import"],
        what="importing the gpg signing key",
        cwd=git.home,
        stdin=key.private_key.encode(),
        check=False,
    )
    if done.returncode != 0:
        raise SourceError(
            f"the gpg signing key could not be imported: {summarise(done.stderr)} "
            "(give an ASCII-armored secret key without passphrase)"
        )
    listing = await git.run(
        [*base, "--with-colons", "--list-secret-keys"],
        what="listing the gpg signing key",
        cwd=git.home,
    )
    for line in listing.stdout.decode("utf-8", "replace").splitlines():
        if line.startswith("fpr:"):
            return line.split(":")[9]
    raise SourceError(
        "the gpg signing key holds no secret key (export it with "
        "gpg --armor --export-secret-keys KEYID)"
    )


async def stop_signing(git: GitRunner, key: SigningKey | None) -> None:
    """Stop the gpg agent a GPG key may have started, before its home is removed."""
    if key is None or key.mode is not SigningMode.GPG or shutil.which("gpgconf") is None:
        return
    with contextlib.suppress(TrueupError):
        await git.run(
            ["gpgconf", "--homedir", str(git.home / "gnupg"), "--kill", "all"],
            what="stopping gpg",
            cwd=git.home,
            check=False,
        )

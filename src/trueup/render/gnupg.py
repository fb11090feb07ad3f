"""A private GnuPG home holding an App's PGP private keys, for sops to decrypt with.

sops decrypts PGP-encrypted data keys with the ``gpg`` program, which reads its keys from
``GNUPGHOME``. The keys come from the App's decryption Secret; they are imported into a
home made for one render in a private directory on the memory file system
(:mod:`trueup.render.private_dir`), never into the user's keyring. ``gpg`` starts a
``gpg-agent`` for that home; it is stopped with ``gpgconf --kill all`` before the home is
removed, however the render ends (an agent whose home is gone also ends by itself).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Final

from trueup.errors import RenderError
from trueup.render.private_dir import private_dir

GPG_TIMEOUT_SECONDS: Final = 20.0
"""Wall-clock time one ``gpg`` or ``gpgconf`` run may take."""


@contextlib.contextmanager
def gnupg_home(keys: tuple[str, ...]) -> Iterator[tuple[Path, frozenset[str]]]:
    """A GnuPG home with ``keys`` (armoured private keys) imported, and their fingerprints.

    The fingerprints are those of every primary key and subkey, upper-case hex.
    """
    gpg = _program("gpg")
    with private_dir() as home:
        env = environment(home)
        # A key with a passphrase fails at once instead of waiting for a prompt nobody sees.
        (home / "gpg-agent.conf").write_text("pinentry-program /bin/false\n")
        try:
            _run([gpg, "--batch", "--import"], env, "\n".join(keys))
            listing = _run([gpg, "--batch", "--with-colons", "--list-secret-keys"], env, "")
            fingerprints = frozenset(
                fields[9].upper()
                for fields in (line.split(":") for line in listing.splitlines())
                if fields[0] == "fpr" and len(fields) > 9
            )
            yield home, fingerprints
        finally:
            with contextlib.suppress(RenderError):
                _run([_program("gpgconf"), "--kill", "all"], env, "")


def environment(home: Path) -> dict[str, str]:
    """The clean environment of a program that uses the GnuPG home ``home``."""
    return {
        "PATH": os.environ.get("PATH", os.defpath),
        "HOME": str(home),
        "GNUPGHOME": str(home),
        "LC_ALL": "C",
    }


def _program(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise RenderError(
            f"{name!r} was not found, and decrypting with the App's PGP keys needs it; "
            "install GnuPG (the gnupg package)"
        )
    return found


def _run(command: list[str], env: dict[str, str], stdin: str) -> str:
    try:
        done = subprocess.run(
            command,
            input=stdin,
            capture_output=True,
            text=True,
            env=env,
            cwd=env["GNUPGHOME"],
            timeout=GPG_TIMEOUT_SECONDS,
            check=False,
        )
    except subprocess.TimeoutExpired as e:
        raise RenderError(f"{os.path.basename(command[0])} took too long and was stopped") from e
    if done.returncode != 0:
        # gpg's own words name key ids, never key material; they may still be long.
        said = " ".join(done.stderr.split())[-500:]
        raise RenderError(
            f"the App's PGP keys could not be read by {os.path.basename(command[0])}: {said}; "
            "check the .asc keys of the App's decryption Secret"
        )
    return done.stdout

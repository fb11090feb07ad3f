"""Make Git repositories for tests: a working repository with commits and tags, bare
repositories to push to, and signers for GPG- and SSH-signed commits.

Every git command runs with a hermetic environment (no system or global config, fixed
identity), so tests behave the same on any machine.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

IDENTITY = {
    "GIT_AUTHOR_NAME": "Test Author",
    "GIT_AUTHOR_EMAIL": "author@example.com",
    "GIT_COMMITTER_NAME": "Test Author",
    "GIT_COMMITTER_EMAIL": "author@example.com",
}


def git_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """A hermetic environment for test git commands."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", "/root"),
        "LC_ALL": "C",
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_CONFIG_GLOBAL": "/dev/null",
        "GIT_TERMINAL_PROMPT": "0",
        **IDENTITY,
    }
    env.update(extra or {})
    return env


def git(args: Sequence[str], *, cwd: Path, env: Mapping[str, str] | None = None) -> str:
    """Run git, fail loudly with its stderr, return stdout stripped."""
    done = subprocess.run(
        ["git", *args], cwd=cwd, env=git_env(env), capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"git {' '.join(args)} failed: {done.stderr.strip()}")
    return done.stdout.strip()


def make_bare(path: Path) -> Path:
    """Create a bare repository whose HEAD is ``main``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    git(["init", "--quiet", "--bare", "-b", "main", str(path)], cwd=path.parent)
    return path


@dataclass
class GpgSigner:
    """A fresh GPG key in its own short-pathed GNUPGHOME (agent sockets need short paths)."""

    home: Path
    fingerprint: str

    @classmethod
    def create(cls, email: str = "signer@example.com") -> GpgSigner:
        """Generate an ed25519 signing key without passphrase."""
        home = Path(tempfile.mkdtemp(prefix="tg", dir="/tmp"))
        home.chmod(0o700)
        env = {"GNUPGHOME": str(home)}
        _run(
            [
                "gpg",
                "--batch",
                "--passphrase",
                "",
                "--quick-gen-key",
                f"Test <{email}>",
                "ed25519",
                "sign",
                "never",
            ],
            env,
        )
        listing = _run(["gpg", "--batch", "--with-colons", "--list-secret-keys"], env)
        fingerprint = next(
            line.split(":")[9] for line in listing.splitlines() if line.startswith("fpr:")
        )
        return cls(home, fingerprint)

    def public_key(self) -> str:
        """The ASCII-armored public key, as a signature policy takes it."""
        return _run(
            ["gpg", "--batch", "--armor", "--export", self.fingerprint],
            {"GNUPGHOME": str(self.home)},
        )

    def sign_args(self) -> tuple[list[str], dict[str, str]]:
        """git options and environment to sign a commit with this key."""
        return (
            ["-c", "gpg.format=openpgp", "-c", f"user.signingkey={self.fingerprint}"],
            {"GNUPGHOME": str(self.home)},
        )

    def close(self) -> None:
        """Stop the agent and delete the key."""
        subprocess.run(
            ["gpgconf", "--kill", "all"],
            env={**os.environ, "GNUPGHOME": str(self.home)},
            capture_output=True,
            check=False,
        )
        shutil.rmtree(self.home, ignore_errors=True)


@dataclass
class SshSigner:
    """An ed25519 SSH key used to sign commits (``gpg.format=ssh``)."""

    key: Path
    principal: str = "signer@example.com"

    @classmethod
    def create(cls, directory: Path, name: str = "signing_key") -> SshSigner:
        """Generate a key without passphrase in ``directory``."""
        key = directory / name
        _run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", name, "-f", str(key)], {})
        return cls(key)

    def public_key(self) -> str:
        """The ``ssh-ed25519 AAAA… comment`` line."""
        return Path(f"{self.key}.pub").read_text().strip()

    def allowed_signers_line(self) -> str:
        """The allowed-signers line trusting this key for its principal."""
        return f"{self.principal} {self.public_key()}"

    def sign_args(self) -> tuple[list[str], dict[str, str]]:
        """git options and environment to sign a commit with this key."""
        return (["-c", "gpg.format=ssh", "-c", f"user.signingkey={self.key}"], {})


Signer = GpgSigner | SshSigner


class WorkRepo:
    """A working repository on ``main`` that commits files and pushes to a remote."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.mkdir(parents=True, exist_ok=True)
        git(["init", "--quiet", "-b", "main"], cwd=path)

    def write(self, files: Mapping[str, str]) -> None:
        """Write (or overwrite) files, creating their folders."""
        for name, content in files.items():
            target = self.path / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(content)

    def commit(
        self,
        message: str,
        files: Mapping[str, str] | None = None,
        *,
        signer: Signer | None = None,
    ) -> str:
        """Commit the given files (and anything else changed); return the commit id."""
        self.write(files or {})
        git(["add", "--all"], cwd=self.path)
        options, env = signer.sign_args() if signer else ([], {})
        sign = ["-S"] if signer else []
        git(
            [*options, "commit", "--quiet", "--allow-empty", *sign, "-m", message],
            cwd=self.path,
            env=env,
        )
        return self.head()

    def head(self) -> str:
        """The commit id ``main`` points to."""
        return git(["rev-parse", "HEAD"], cwd=self.path)

    def tag(self, name: str, *, annotated: bool = False, target: str = "HEAD") -> None:
        """Create (or move) a lightweight or annotated tag."""
        extra = ["-a", "-m", f"release {name}"] if annotated else []
        git(["tag", "-f", *extra, name, target], cwd=self.path)

    def push(self, remote: Path | str, *refspecs: str) -> None:
        """Push ``main`` (by default) and every tag, forcibly, to a bare repository."""
        specs = list(refspecs) or ["+main:main"]
        git(["push", "--quiet", "--force", str(remote), *specs, "--tags"], cwd=self.path)


def _run(argv: Sequence[str], env: Mapping[str, str]) -> str:
    done = subprocess.run(
        list(argv), env={**os.environ, **env}, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"{argv[0]} failed: {done.stderr.strip()}")
    return done.stdout.strip()

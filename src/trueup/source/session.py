"""A private scratch directory per fetch, holding credentials and git's environment.

Credentials become files (mode 0600, in a 0700 directory removed when the fetch ends) and
configuration passed through the environment, never command-line arguments (which other
users can read in the process list, and which end up in error messages):

- token and basic credentials: an ``Authorization`` header set by
  ``http.<exact repository URL>.extraHeader`` so that git sends it only to that URL;
  redirects are never followed, so it cannot be carried to another host;
- SSH: ``GIT_SSH_COMMAND`` with the key file, ``IdentitiesOnly``, the given known_hosts
  and strict host key checking, and no user or system ssh configuration;
- a private CA bundle: ``http.<URL>.sslCAInfo``.
"""

from __future__ import annotations

import os
import shlex
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from trueup.source.gitcmd import GitRunner, GitSettings, git_environment
from trueup.source.model import AuthMode, GitRepository
from trueup.source.redact import Redactor, basic_credentials
from trueup.source.validate import Remote, Transport

_PROTOCOLS = {
    Transport.HTTPS: ("https",),
    Transport.HTTP: ("http",),
    Transport.SSH: ("ssh",),
    Transport.FILE: ("file",),
}


@contextmanager
def git_session(repo: GitRepository, remote: Remote, *, timeout: float) -> Iterator[GitRunner]:
    """A runner whose environment carries ``repo``'s credentials; files removed on exit."""
    scratch = Path(tempfile.mkdtemp(prefix="trueup-git-"))
    try:
        (scratch / "gnupg").mkdir(mode=0o700)
        config: list[tuple[str, str]] = []
        env: dict[str, str] = {}
        secrets: list[str] = []
        auth = repo.auth
        if auth is not None and auth.mode in (AuthMode.TOKEN, AuthMode.BASIC):
            if auth.mode is AuthMode.TOKEN:
                assert auth.token is not None
                header = f"Authorization: Bearer {auth.token.strip()}"
            else:
                assert auth.username is not None
                assert auth.password is not None
                encoded = basic_credentials(auth.username, auth.password)
                header = f"Authorization: Basic {encoded}"
                secrets.append(encoded)
            config.append((f"http.{remote.git_url}.extraHeader", header))
        if auth is not None and auth.mode is AuthMode.SSH:
            assert auth.ssh_private_key is not None
            assert auth.ssh_known_hosts is not None
            key = _private_file(scratch / "id", _with_newline(auth.ssh_private_key))
            known = _private_file(scratch / "known_hosts", _with_newline(auth.ssh_known_hosts))
            env["GIT_SSH_COMMAND"] = ssh_command(key, known, timeout=timeout)
            env["GIT_SSH_VARIANT"] = "ssh"
        if repo.ca_cert:
            ca = _private_file(scratch / "ca.pem", _with_newline(repo.ca_cert))
            config.append((f"http.{remote.git_url}.sslCAInfo", str(ca)))
        # Only the one protocol this remote needs; validation already refused the rest.
        settings = GitSettings(
            home=scratch,
            allowed_protocols=_PROTOCOLS[remote.transport],
            config=tuple(config),
            env=env,
        )
        redactor = Redactor([*(auth.secrets() if auth else ()), *secrets])
        yield GitRunner(git_environment(settings), timeout=timeout, redactor=redactor)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def ssh_command(key: Path, known_hosts: Path, *, timeout: float) -> str:
    """The ``GIT_SSH_COMMAND`` git runs through ``sh``; every value is shell-quoted."""
    options = [
        "-F",
        "/dev/null",
        "-i",
        str(key),
        "-o",
        "IdentitiesOnly=yes",
        "-o",
        "IdentityAgent=none",
        "-o",
        f"UserKnownHostsFile={known_hosts}",
        "-o",
        "GlobalKnownHostsFile=/dev/null",
        "-o",
        "StrictHostKeyChecking=yes",
        "-o",
        "BatchMode=yes",
        "-o",
        "PasswordAuthentication=no",
        "-o",
        f"ConnectTimeout={max(1, int(timeout))}",
    ]
    return shlex.join(["ssh", *options])


def _private_file(path: Path, content: str) -> Path:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(content)
    return path


def _with_newline(text: str) -> str:
    return text if text.endswith("\n") else text + "\n"

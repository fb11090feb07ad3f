"""A real OpenSSH server for tests, on a free loopback port, serving Git over SSH.

Needs Debian's ``openssh-server`` (``/usr/sbin/sshd``). The server has a fresh ed25519
host key, accepts only public keys listed in its own authorized_keys file, and logs in as
the user running the tests; clone URLs are ``ssh://<user>@127.0.0.1:<port>/<abs path>``.
Stopped by the pid in its PidFile.
"""

from __future__ import annotations

import contextlib
import getpass
import os
import signal
import socket
import subprocess
import time
from pathlib import Path

from tests.servers.git_http import free_port

SSHD = Path("/usr/sbin/sshd")


class SshServer:
    """An ``sshd`` in ``workdir``; use as a context manager."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.user = getpass.getuser()
        self.port = 0
        self.host_key = workdir / "ssh_host_ed25519_key"
        self.authorized_keys = workdir / "authorized_keys"
        self.pid_file = workdir / "sshd.pid"
        self.log_file = workdir / "sshd.log"

    def start(self) -> SshServer:
        """Generate the host key, write the config and start sshd; wait until it answers."""
        if not SSHD.exists():
            raise RuntimeError(
                f"{SSHD} is missing: install Debian's openssh-server "
                "(apt-get update && apt-get install -y openssh-server)"
            )
        self.workdir.mkdir(parents=True, exist_ok=True)
        Path("/run/sshd").mkdir(parents=True, exist_ok=True)
        keygen(self.host_key)
        self.authorized_keys.touch()
        last_error = ""
        for _ in range(3):  # the free port may be taken between probe and bind
            self.port = free_port()
            config = self._write_config()
            done = subprocess.run(
                [str(SSHD), "-f", str(config), "-E", str(self.log_file)],
                capture_output=True,
                text=True,
                check=False,
            )
            if done.returncode == 0 and self._wait_ready():
                return self
            last_error = done.stderr + self.log_file.read_text(errors="replace")
            self.stop()
        raise RuntimeError(f"sshd did not start: {last_error.strip()}")

    def stop(self) -> None:
        """Stop sshd by the pid in its PidFile."""
        try:
            pid = int(self.pid_file.read_text().strip())
        except (OSError, ValueError):
            return
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
        self.pid_file.unlink(missing_ok=True)

    def __enter__(self) -> SshServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def authorize(self, public_key: str) -> None:
        """Let the holder of ``public_key`` (an ``ssh-ed25519 AAAA…`` line) log in."""
        with self.authorized_keys.open("a") as handle:
            handle.write(public_key.strip() + "\n")

    def known_hosts_line(self) -> str:
        """The known_hosts line a client needs to trust this server."""
        key_type, key = Path(f"{self.host_key}.pub").read_text().split()[:2]
        return f"[127.0.0.1]:{self.port} {key_type} {key}"

    def url(self, path: Path) -> str:
        """The clone URL of the repository at the absolute ``path``."""
        return f"ssh://{self.user}@127.0.0.1:{self.port}{path}"

    def _write_config(self) -> Path:
        config = self.workdir / "sshd_config"
        config.write_text(
            "\n".join(
                [
                    f"Port {self.port}",
                    "ListenAddress 127.0.0.1",
                    f"HostKey {self.host_key}",
                    f"AuthorizedKeysFile {self.authorized_keys}",
                    f"PidFile {self.pid_file}",
                    "PasswordAuthentication no",
                    "KbdInteractiveAuthentication no",
                    "PubkeyAuthentication yes",
                    "PermitRootLogin prohibit-password",
                    "UsePAM no",
                    "StrictModes no",
                    "LogLevel VERBOSE",
                    "MaxStartups 50:30:100",
                    "",
                ]
            )
        )
        return config

    def _wait_ready(self, timeout: float = 5.0) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1) as conn:
                    if conn.recv(16).startswith(b"SSH-"):
                        return True
            except OSError:
                pass
            time.sleep(0.05)
        return False


def keygen(path: Path, comment: str = "trueup-test") -> Path:
    """Write a passphrase-less ed25519 key pair to ``path`` and ``path.pub``."""
    path.unlink(missing_ok=True)
    Path(f"{path}.pub").unlink(missing_ok=True)
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", str(path)],
        check=True,
        capture_output=True,
    )
    return path

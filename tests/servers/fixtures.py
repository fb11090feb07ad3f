"""pytest fixtures for real Git servers: smart HTTP(S), sshd, repositories and signers.

Servers are session-scoped (started once); repositories are function-scoped and unique
per test, so tests never see each other's commits. Register with
``pytest_plugins = ["tests.servers.fixtures"]``.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.servers.chart_repo import chart_repo as chart_repo
from tests.servers.chart_repo import helm_helper as helm_helper
from tests.servers.git_http import Fault, GitHttpServer, TlsFiles, make_tls
from tests.servers.gitrepo import GpgSigner, SshSigner, WorkRepo, make_bare
from tests.servers.registry import oci_registry as oci_registry
from tests.servers.registry_images import basic_registry as basic_registry
from tests.servers.registry_images import image_registry as image_registry
from tests.servers.registry_images import plain_front as plain_front
from tests.servers.registry_images import tls_registry as tls_registry
from tests.servers.registry_images import token_registry as token_registry
from tests.servers.sshd import SshServer, keygen

HTTP_USER = "alice"
HTTP_PASSWORD = "correct-horse-battery"
HTTP_TOKEN = "tok-7f3c9a1e5b2d4c6e8f0a"

_names = itertools.count()


@dataclass
class ServedRepo:
    """A bare repository under the servers' root, with a working repository pushing to it."""

    name: str
    bare: Path
    work: WorkRepo

    def commit_and_push(self, message: str, files: dict[str, str] | None = None) -> str:
        """Commit on ``main``, push it (and tags), return the new commit id."""
        commit = self.work.commit(message, files)
        self.work.push(self.bare)
        return commit

    def push(self) -> None:
        """Push ``main`` and every tag."""
        self.work.push(self.bare)

    @property
    def path_url(self) -> str:
        """The bare repository as an absolute local path."""
        return str(self.bare)


@dataclass
class SshAccess:
    """A running sshd and a client key it accepts."""

    server: SshServer
    private_key: str
    known_hosts: str


@pytest.fixture(scope="session")
def git_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The folder every test server serves bare repositories from."""
    return tmp_path_factory.mktemp("git-root")


@pytest.fixture(scope="session")
def git_tls(tmp_path_factory: pytest.TempPathFactory) -> TlsFiles:
    """A throwaway CA and server certificate for 127.0.0.1."""
    return make_tls(tmp_path_factory.mktemp("tls"))


@pytest.fixture(scope="session")
def git_https_server(git_root: Path, git_tls: TlsFiles) -> Iterator[GitHttpServer]:
    """HTTPS Git server demanding HTTP_USER/HTTP_PASSWORD or HTTP_TOKEN."""
    server = GitHttpServer(
        git_root, users={HTTP_USER: HTTP_PASSWORD}, tokens={HTTP_TOKEN}, tls=git_tls
    )
    with server:
        yield server


@pytest.fixture(scope="session")
def git_http_server(git_root: Path) -> Iterator[GitHttpServer]:
    """Plain-HTTP Git server on loopback without authentication."""
    with GitHttpServer(git_root) as server:
        yield server


@pytest.fixture
def git_https(git_https_server: GitHttpServer) -> Iterator[GitHttpServer]:
    """The HTTPS server with no fault and an empty request log, restored after the test."""
    git_https_server.set_fault(Fault.NONE)
    git_https_server.clear_requests()
    yield git_https_server
    git_https_server.set_fault(Fault.NONE)


@pytest.fixture
def git_http(git_http_server: GitHttpServer) -> Iterator[GitHttpServer]:
    """The plain-HTTP server with no fault and an empty request log, restored after."""
    git_http_server.set_fault(Fault.NONE)
    git_http_server.clear_requests()
    yield git_http_server
    git_http_server.set_fault(Fault.NONE)


@pytest.fixture(scope="session")
def sshd_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SshAccess]:
    """A real sshd on loopback that accepts one generated client key."""
    workdir = tmp_path_factory.mktemp("sshd")
    client_key = keygen(workdir / "client_key", comment="trueup-client")
    with SshServer(workdir) as server:
        server.authorize(Path(f"{client_key}.pub").read_text())
        yield SshAccess(server, client_key.read_text(), server.known_hosts_line())


@pytest.fixture
def git_repo(git_root: Path, tmp_path: Path) -> ServedRepo:
    """A fresh served repository with one commit on ``main`` (``app/config.yaml``)."""
    name = f"repo-{next(_names)}.git"
    bare = make_bare(git_root / name)
    work = WorkRepo(tmp_path / "work")
    served = ServedRepo(name, bare, work)
    served.commit_and_push("initial commit", {"app/config.yaml": "replicas: 1\n"})
    return served


@pytest.fixture(scope="session")
def gpg_signer() -> Iterator[GpgSigner]:
    """A GPG signing key, removed (agent stopped) after the session."""
    signer = GpgSigner.create()
    yield signer
    signer.close()


@pytest.fixture(scope="session")
def other_gpg_signer() -> Iterator[GpgSigner]:
    """A second, unrelated GPG key, for "signed by the wrong key"."""
    signer = GpgSigner.create("intruder@example.com")
    yield signer
    signer.close()


@pytest.fixture(scope="session")
def ssh_signer(tmp_path_factory: pytest.TempPathFactory) -> SshSigner:
    """An SSH key used to sign commits."""
    return SshSigner.create(tmp_path_factory.mktemp("ssh-signer"))


@pytest.fixture(scope="session")
def other_ssh_signer(tmp_path_factory: pytest.TempPathFactory) -> SshSigner:
    """A second, unrelated SSH signing key."""
    return SshSigner.create(tmp_path_factory.mktemp("ssh-intruder"))

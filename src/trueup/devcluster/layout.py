"""Where one dev-cluster's pieces are: binaries, certificate files, ports, state directory.

Plain values with no heavy imports, so that commands which only need to know where things
are never load the certificate machinery.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from trueup.devcluster.build import Binaries

LOOPBACK = "127.0.0.1"
DEFAULT_NODES = 3
"""How many fake nodes ``trueup dev-cluster up`` starts unless told."""


@dataclass(frozen=True, slots=True)
class Pki:
    """Paths of the PEM files written into the state directory's ``pki/`` folder."""

    ca_cert: Path
    ca_key: Path
    server_cert: Path
    server_key: Path
    admin_cert: Path
    admin_key: Path
    service_account_key: Path
    service_account_pub: Path

    @classmethod
    def at(cls, directory: Path) -> Pki:
        """The file names used inside ``directory``."""
        return cls(
            ca_cert=directory / "ca.crt",
            ca_key=directory / "ca.key",
            server_cert=directory / "apiserver.crt",
            server_key=directory / "apiserver.key",
            admin_cert=directory / "admin.crt",
            admin_key=directory / "admin.key",
            service_account_key=directory / "service-account.key",
            service_account_pub=directory / "service-account.pub",
        )


@dataclass(frozen=True, slots=True)
class Ports:
    """The loopback ports one dev-cluster uses; all chosen free at ``up``."""

    etcd_client: int
    etcd_peer: int
    apiserver: int
    controller_manager: int
    scheduler: int
    kwok: int


@dataclass(frozen=True, slots=True)
class Layout:
    """Everything a command line needs: binaries, certificates, ports and the state directory."""

    binaries: Binaries
    pki: Pki
    ports: Ports
    state: Path

    @property
    def kubeconfig(self) -> Path:
        """The admin kubeconfig, for the user and for every component."""
        return self.state / "kubeconfig"

    @property
    def server(self) -> str:
        """The API server's URL."""
        return f"https://{LOOPBACK}:{self.ports.apiserver}"

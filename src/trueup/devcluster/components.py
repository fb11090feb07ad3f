"""The command line of each control-plane process, as pure functions of the layout.

Start order: etcd, then the API server, then the controller manager, the scheduler and
kwok. Everything listens on 127.0.0.1 only.
"""

from __future__ import annotations

from dataclasses import dataclass

from trueup.devcluster.layout import LOOPBACK, Layout

SERVICE_CIDR = "10.96.0.0/16"
POD_CIDR = "10.244.0.0/16"
ISSUER = "https://kubernetes.default.svc.cluster.local"


@dataclass(frozen=True, slots=True)
class Component:
    """One process to run: its name (also its log file's) and argument list."""

    name: str
    argv: tuple[str, ...]


def etcd(layout: Layout) -> Component:
    """etcd, one member, no fsync: a throwaway store that must be quick."""
    client = f"http://{LOOPBACK}:{layout.ports.etcd_client}"
    peer = f"http://{LOOPBACK}:{layout.ports.etcd_peer}"
    return Component(
        "etcd",
        (
            str(layout.binaries.etcd),
            "--name=trueup",
            f"--data-dir={layout.state / 'etcd'}",
            f"--listen-client-urls={client}",
            f"--advertise-client-urls={client}",
            f"--listen-peer-urls={peer}",
            f"--initial-advertise-peer-urls={peer}",
            f"--initial-cluster=trueup={peer}",
            "--unsafe-no-fsync=true",
            "--auto-compaction-retention=1",
            "--quota-backend-bytes=8589934592",
            "--log-level=warn",
        ),
    )


def apiserver(layout: Layout) -> Component:
    """kube-apiserver with TLS, client-certificate authentication, RBAC and token signing."""
    pki = layout.pki
    return Component(
        "kube-apiserver",
        (
            str(layout.binaries.kube),
            "kube-apiserver",
            f"--etcd-servers=http://{LOOPBACK}:{layout.ports.etcd_client}",
            f"--bind-address={LOOPBACK}",
            f"--advertise-address={LOOPBACK}",
            f"--secure-port={layout.ports.apiserver}",
            f"--tls-cert-file={pki.server_cert}",
            f"--tls-private-key-file={pki.server_key}",
            f"--client-ca-file={pki.ca_cert}",
            f"--service-account-issuer={ISSUER}",
            f"--service-account-key-file={pki.service_account_pub}",
            f"--service-account-signing-key-file={pki.service_account_key}",
            "--authorization-mode=RBAC",
            f"--service-cluster-ip-range={SERVICE_CIDR}",
            # The API server's own address is loopback, which Endpoints may not hold.
            "--endpoint-reconciler-type=none",
            "--allow-privileged=true",
            "--max-requests-inflight=1000",
            "--max-mutating-requests-inflight=500",
            "--v=0",
        ),
    )


def controller_manager(layout: Layout) -> Component:
    """kube-controller-manager: runs Deployments, ReplicaSets, Jobs, ServiceAccounts, GC."""
    return Component(
        "kube-controller-manager",
        (
            str(layout.binaries.kube),
            "kube-controller-manager",
            f"--kubeconfig={layout.kubeconfig}",
            f"--bind-address={LOOPBACK}",
            f"--secure-port={layout.ports.controller_manager}",
            "--leader-elect=false",
            f"--root-ca-file={layout.pki.ca_cert}",
            f"--service-account-private-key-file={layout.pki.service_account_key}",
            f"--service-cluster-ip-range={SERVICE_CIDR}",
            "--controllers=*",
            "--kube-api-qps=500",
            "--kube-api-burst=1000",
            "--v=0",
        ),
    )


def scheduler(layout: Layout) -> Component:
    """kube-scheduler: binds pods to the fake nodes, without which kwok never sees them."""
    return Component(
        "kube-scheduler",
        (
            str(layout.binaries.kube),
            "kube-scheduler",
            f"--kubeconfig={layout.kubeconfig}",
            f"--bind-address={LOOPBACK}",
            f"--secure-port={layout.ports.scheduler}",
            "--leader-elect=false",
            "--v=0",
        ),
    )


def kwok(layout: Layout) -> Component:
    """kwok: plays the kubelet of every node annotated ``kwok.x-k8s.io/node=fake``."""
    return Component(
        "kwok",
        (
            str(layout.binaries.kwok),
            f"--kubeconfig={layout.kubeconfig}",
            f"--config={layout.state / 'kwok.yaml'}",
            "--manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake",
            f"--node-ip={LOOPBACK}",
            f"--node-port={layout.ports.kwok}",
            f"--server-address={LOOPBACK}:{layout.ports.kwok}",
            f"--cidr={POD_CIDR}",
            "--node-lease-duration-seconds=40",
        ),
    )


def control_plane(layout: Layout) -> tuple[Component, ...]:
    """The processes started once the API server is ready, in start order."""
    return (controller_manager(layout), scheduler(layout), kwok(layout))

"""The control plane's command lines: loopback only, wired to each other's ports and files."""

from __future__ import annotations

from pathlib import Path

import pytest

from trueup.devcluster import components
from trueup.devcluster.build import Binaries
from trueup.devcluster.layout import Layout, Ports
from trueup.devcluster.pki import create_pki


@pytest.fixture
def layout(tmp_path: Path) -> Layout:
    binaries = Binaries(kube=Path("/c/kube"), etcd=Path("/c/etcd"), kwok=Path("/c/kwok"))
    ports = Ports(2379, 2380, 6443, 10257, 10259, 10250)
    return Layout(binaries, create_pki(tmp_path / "pki"), ports, tmp_path)


def all_components(layout: Layout) -> list[components.Component]:
    return [
        components.etcd(layout),
        components.apiserver(layout),
        *components.control_plane(layout),
    ]


def test_every_component_listens_on_loopback_only(layout: Layout) -> None:
    for component in all_components(layout):
        argv = " ".join(component.argv)
        assert "0.0.0.0" not in argv, component.name  # noqa: S104 - the check itself
        for flag in ("--bind-address=", "--listen-client-urls=", "--listen-peer-urls="):
            for arg in component.argv:
                if arg.startswith(flag):
                    assert "127.0.0.1" in arg, arg


def test_the_api_server_talks_to_the_etcd_it_was_given(layout: Layout) -> None:
    argv = components.apiserver(layout).argv
    assert "--etcd-servers=http://127.0.0.1:2379" in argv
    assert "--secure-port=6443" in argv
    assert "--authorization-mode=RBAC" in argv


def test_tokens_are_signed_with_the_key_whose_public_half_the_api_server_checks(
    layout: Layout,
) -> None:
    apiserver = components.apiserver(layout).argv
    manager = components.controller_manager(layout).argv
    assert f"--service-account-signing-key-file={layout.pki.service_account_key}" in apiserver
    assert f"--service-account-key-file={layout.pki.service_account_pub}" in apiserver
    assert f"--service-account-private-key-file={layout.pki.service_account_key}" in manager


def test_the_multi_call_binary_is_told_which_component_to_be(layout: Layout) -> None:
    names = {c.name: c.argv[1] for c in all_components(layout) if c.argv[0] == "/c/kube"}
    assert names == {
        "kube-apiserver": "kube-apiserver",
        "kube-controller-manager": "kube-controller-manager",
        "kube-scheduler": "kube-scheduler",
    }


def test_kwok_manages_only_nodes_annotated_as_fake(layout: Layout) -> None:
    argv = components.kwok(layout).argv
    assert "--manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake" in argv
    assert f"--config={layout.state / 'kwok.yaml'}" in argv

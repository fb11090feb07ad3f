"""The pod's service account as a connection, rotating token files, and impersonation."""

from __future__ import annotations

import os
from pathlib import Path

import httpx
import pytest

from tests.unit.targets.test_kubeconfig import CERT, TOKEN, _write
from trueup.errors import ConfigError
from trueup.targets.kubernetes import KubernetesTarget
from trueup.targets.kubernetes.auth import ClusterAuth, FileToken, StaticToken
from trueup.targets.kubernetes.kubeconfig import find_connection
from trueup.targets.kubernetes.pool import KubernetesTargets

POD_ENV = {"KUBERNETES_SERVICE_HOST": "10.96.0.1", "KUBERNETES_SERVICE_PORT": "443"}


@pytest.fixture
def service_account(tmp_path: Path) -> Path:
    folder = tmp_path / "serviceaccount"
    folder.mkdir()
    (folder / "token").write_text(TOKEN)
    (folder / "ca.crt").write_bytes(CERT)
    (folder / "namespace").write_text("tenant-a\n")
    return folder


def test_without_a_kubeconfig_a_pod_uses_its_service_account(
    tmp_path: Path, service_account: Path
) -> None:
    environ = {**POD_ENV, "KUBECONFIG": str(tmp_path / "absent")}
    connection = find_connection(environ=environ, service_account_dir=service_account)
    assert connection.server == "https://10.96.0.1:443"
    assert connection.namespace == "tenant-a"
    assert connection.ca_data == CERT
    assert connection.token_file == str(service_account / "token")


def test_a_kubeconfig_wins_over_the_pods_service_account(
    tmp_path: Path, service_account: Path
) -> None:
    path = _write(tmp_path / "config", user={"token": "from-kubeconfig"})
    environ = {**POD_ENV, "KUBECONFIG": str(path)}
    connection = find_connection(environ=environ, service_account_dir=service_account)
    assert connection.token == "from-kubeconfig"
    named = find_connection(str(path), environ=POD_ENV, service_account_dir=service_account)
    assert named.token == "from-kubeconfig"


def test_a_named_context_outside_any_kubeconfig_is_not_answered_by_the_pod(
    tmp_path: Path, service_account: Path
) -> None:
    environ = {**POD_ENV, "KUBECONFIG": str(tmp_path / "absent")}
    with pytest.raises(ConfigError, match="no kubeconfig found"):
        find_connection(context="prod", environ=environ, service_account_dir=service_account)


def test_outside_a_pod_a_missing_kubeconfig_stays_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no kubeconfig found"):
        find_connection(environ={"KUBECONFIG": str(tmp_path / "absent")})


@pytest.mark.anyio
async def test_a_rotated_token_file_is_read_again_without_waiting(tmp_path: Path) -> None:
    path = tmp_path / "token"
    path.write_text("first\n")
    source = FileToken(path)
    assert await source.token() == "first"
    # Kubelet swaps the file for a new one (a new inode), as projected volumes do.
    replacement = tmp_path / "token.new"
    replacement.write_text("second")
    os.replace(replacement, path)
    assert await source.token() == "second"


@pytest.mark.anyio
async def test_a_token_file_rejected_by_the_server_is_read_again(tmp_path: Path) -> None:
    path = tmp_path / "token"
    path.write_text("first")
    source = FileToken(path)
    assert await source.token() == "first"
    stat = os.stat(path)
    path.write_text("fresh")  # same size; restore the old times so only a 401 can tell
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert await source.token() == "first"
    assert await source.token(rejected="first") == "fresh"


@pytest.mark.anyio
async def test_impersonation_is_sent_with_every_request_with_or_without_a_token() -> None:
    seen: list[httpx.Headers] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers)
        return httpx.Response(200)

    user = "system:serviceaccount:tenant-a:deployer"
    for source in (StaticToken(TOKEN), None):
        auth = ClusterAuth(source, impersonate_user=user)
        async with httpx.AsyncClient(auth=auth, transport=httpx.MockTransport(handler)) as client:
            await client.get("https://127.0.0.1/api")
    assert [h.get("Impersonate-User") for h in seen] == [user, user]
    assert [h.get("Authorization") for h in seen] == [f"Bearer {TOKEN}", None]


@pytest.mark.anyio
async def test_the_pool_opens_one_target_per_impersonated_user(tmp_path: Path) -> None:
    path = _write(tmp_path / "config", user={"token": TOKEN})
    targets = KubernetesTargets(str(path))
    try:
        admin = targets.get()
        tenant = targets.get(impersonate="system:serviceaccount:tenant-a:deployer")
        assert targets.get(impersonate="system:serviceaccount:tenant-a:deployer") is tenant
        assert isinstance(admin, KubernetesTarget)
        assert isinstance(tenant, KubernetesTarget)
        assert admin.connection.impersonate_user is None
        assert tenant.connection.impersonate_user == "system:serviceaccount:tenant-a:deployer"
    finally:
        await targets.aclose()

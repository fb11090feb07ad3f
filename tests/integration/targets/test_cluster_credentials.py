"""Credentials as users have them, against the dev-cluster: exec plugins, the pod's service
account, and Apps that act as a ServiceAccount so that RBAC limits what they change."""

from __future__ import annotations

import base64
import datetime
import os
import sys
from pathlib import Path
from typing import Any

import orjson
import pytest
import yaml

from tests.integration.engine.helpers import (
    APP,
    PATH,
    World,
    configmap,
    git_cache,
    manifest,
    run_trueup,
    world,
)
from tests.servers.cluster import Kube
from trueup.errors import TargetForbiddenError
from trueup.failure import Reason
from trueup.objects import ObjectId
from trueup.targets import ResourceInfo
from trueup.targets.kubernetes import KubernetesTarget, load_kubeconfig
from trueup.targets.kubernetes.pool import KubernetesTargets

__all__ = ["git_cache", "world"]

pytestmark = [pytest.mark.anyio, pytest.mark.cluster]

CONFIGMAPS = ResourceInfo("", "v1", "ConfigMap", "configmaps", namespaced=True)
EXEC_V1 = "client.authentication.k8s.io/v1"

PLUGIN = """\
import pathlib, sys
folder = pathlib.Path(sys.argv[1])
with open(folder / "calls", "a") as calls:
    calls.write("run\\n")
sys.stdout.write((folder / "credential.json").read_text())
"""


def _admin(kube: Kube) -> dict[str, Any]:
    config: dict[str, Any] = yaml.safe_load(kube.kubeconfig.read_text())
    return config


def _service_account(kube: Kube, namespace: str, name: str, role: str | None) -> str:
    """A ServiceAccount bound to ClusterRole ``role`` in ``namespace``; a token for it."""
    kube.kubectl("-n", namespace, "create", "serviceaccount", name)
    if role:
        kube.kubectl(
            "-n",
            namespace,
            "create",
            "rolebinding",
            name,
            f"--clusterrole={role}",
            f"--serviceaccount={namespace}:{name}",
        )
    return kube.kubectl("-n", namespace, "create", "token", name, "--duration=1h").strip()


class ExecPluginKubeconfig:
    """A kubeconfig for the dev-cluster whose user runs a plugin printing ``credential.json``."""

    def __init__(self, kube: Kube, folder: Path, *, script: str = PLUGIN) -> None:
        self.folder = folder
        folder.mkdir(exist_ok=True)
        (folder / "plugin.py").write_text(script)
        admin = _admin(kube)
        self.path = folder / "kubeconfig"
        self.path.write_text(
            yaml.safe_dump(
                {
                    "apiVersion": "v1",
                    "kind": "Config",
                    "current-context": "exec",
                    "clusters": [{"name": "dev", "cluster": admin["clusters"][0]["cluster"]}],
                    "users": [
                        {
                            "name": "plugin",
                            "user": {
                                "exec": {
                                    "apiVersion": EXEC_V1,
                                    "command": sys.executable,
                                    "args": [str(folder / "plugin.py"), str(folder)],
                                    "interactiveMode": "Never",
                                }
                            },
                        }
                    ],
                    "contexts": [{"name": "exec", "context": {"cluster": "dev", "user": "plugin"}}],
                }
            )
        )

    def answer(self, **status: Any) -> None:
        """What the plugin prints from now on (expiring in an hour)."""
        expires = datetime.datetime.now(datetime.UTC) + datetime.timedelta(hours=1)
        status["expirationTimestamp"] = expires.strftime("%Y-%m-%dT%H:%M:%SZ")
        credential = {"apiVersion": EXEC_V1, "kind": "ExecCredential", "status": status}
        (self.folder / "credential.json").write_bytes(orjson.dumps(credential))

    @property
    def runs(self) -> int:
        calls = self.folder / "calls"
        return len(calls.read_text().splitlines()) if calls.exists() else 0


def _exec_world(world: World, tmp_path: Path, **kwargs: str) -> ExecPluginKubeconfig:
    plugin = ExecPluginKubeconfig(world.kube, tmp_path / "plugin", **kwargs)
    world.write_config(app={"kubeconfig": str(plugin.path)})
    return plugin


def test_a_service_account_token_from_an_exec_plugin_syncs_an_app_when_allowed(
    world: World, tmp_path: Path
) -> None:
    plugin = _exec_world(world, tmp_path)
    token = _service_account(world.kube, world.namespace, "deployer", "admin")
    plugin.answer(token=token)
    run = world.cli("--allow-exec-credentials", "sync", APP)
    assert run.code == 0, str(run)
    assert world.names("configmap") >= {"settings"}
    assert world.names("deployment") == {"web"}
    assert plugin.runs == 1
    assert token not in run.output


def test_a_client_certificate_from_an_exec_plugin_syncs_with_trueup_allow_exec_set(
    world: World, tmp_path: Path
) -> None:
    plugin = _exec_world(world, tmp_path)
    admin_user = _admin(world.kube)["users"][0]["user"]
    plugin.answer(
        clientCertificateData=base64.b64decode(admin_user["client-certificate-data"]).decode(),
        clientKeyData=base64.b64decode(admin_user["client-key-data"]).decode(),
    )
    run = run_trueup(world.argv("sync", APP), {**world.env(), "TRUEUP_ALLOW_EXEC": "1"})
    assert run.code == 0, str(run)
    assert world.names("service") == {"web"}
    assert "PRIVATE KEY" not in run.output


def test_without_permission_the_plugin_never_runs_and_the_error_says_how_to_allow_it(
    world: World, tmp_path: Path
) -> None:
    plugin = _exec_world(world, tmp_path)
    plugin.answer(token="never-used")
    run = world.cli("sync", APP)
    assert run.code != 0
    assert "pass --allow-exec-credentials to trueup or set TRUEUP_ALLOW_EXEC=1" in run.output
    assert plugin.runs == 0
    assert world.names("configmap") <= {"kube-root-ca.crt"}


def test_a_failing_plugin_fails_the_sync_naming_the_plugin_and_what_it_said(
    world: World, tmp_path: Path
) -> None:
    script = (
        "import sys\nprint('error: the SSO session has expired', file=sys.stderr)\nsys.exit(1)\n"
    )
    _exec_world(world, tmp_path, script=script)
    run = world.cli("--allow-exec-credentials", "sync", APP)
    assert run.code != 0
    assert f"exec credential plugin {sys.executable!r} failed with exit code 1" in run.output
    assert "the SSO session has expired" in run.output
    history = world.cli("history", APP, "-o", "json")
    assert "the SSO session has expired" in history.stdout


async def test_a_token_the_server_rejects_makes_the_plugin_run_again(
    kube: Kube, namespace: str, tmp_path: Path
) -> None:
    plugin = ExecPluginKubeconfig(kube, tmp_path / "plugin")
    plugin.answer(token="a-token-the-server-never-issued")
    target = KubernetesTarget(load_kubeconfig(plugin.path, allow_exec=True))
    try:
        with pytest.raises(TargetForbiddenError):
            await target.list(CONFIGMAPS, namespace)
        assert plugin.runs == 2  # the first answer, and once more after the 401
        plugin.answer(token=_service_account(kube, namespace, "reader", "view"))
        assert await target.list(CONFIGMAPS, namespace) is not None
        assert plugin.runs == 3
    finally:
        await target.aclose()


async def test_in_a_pod_without_a_kubeconfig_the_service_account_is_used_and_its_token_rotates(
    kube: Kube, namespace: str, tmp_path: Path
) -> None:
    reader = _service_account(kube, namespace, "reader", "view")
    nobody = _service_account(kube, namespace, "nobody", None)
    kube.kubectl("-n", namespace, "create", "configmap", "visible", "--from-literal=a=b")
    mounted = tmp_path / "serviceaccount"
    mounted.mkdir()
    (mounted / "token").write_text(reader)
    ca = _admin(kube)["clusters"][0]["cluster"]["certificate-authority-data"]
    (mounted / "ca.crt").write_bytes(base64.b64decode(ca))
    (mounted / "namespace").write_text(namespace)
    host, _, port = kube.server.removeprefix("https://").rpartition(":")
    environ = {
        "KUBERNETES_SERVICE_HOST": host,
        "KUBERNETES_SERVICE_PORT": port,
        "KUBECONFIG": str(tmp_path / "no-kubeconfig"),
    }
    targets = KubernetesTargets(environ=environ, service_account_dir=mounted)
    try:
        target = targets.get()
        assert isinstance(target, KubernetesTarget)
        assert target.default_namespace == namespace
        found = await target.list(CONFIGMAPS, namespace)
        assert "visible" in {o["metadata"]["name"] for o in found}
        # Kubelet replaces the token file; the next request carries the new token.
        (mounted / "token.next").write_text(nobody)
        os.replace(mounted / "token.next", mounted / "token")
        with pytest.raises(TargetForbiddenError):
            await target.list(CONFIGMAPS, namespace)
    finally:
        await targets.aclose()


async def test_an_app_acting_as_a_service_account_cannot_change_another_namespace(
    world: World,
) -> None:
    kube, namespace = world.kube, world.namespace
    _service_account(kube, namespace, "deployer", "admin")
    world.write_config(app={"serviceAccountName": "deployer"})
    report = await world.engine_sync()
    assert report.ok, report.error
    assert world.names("configmap") >= {"settings"}

    other = f"{namespace}-other"
    kube.kubectl("create", "namespace", other)
    try:
        intruder = configmap("intruder", {"a": "b"})
        intruder["metadata"]["namespace"] = other
        world.commit(
            "Change the settings and reach into another namespace",
            {
                f"{PATH}/settings.yaml": manifest(configmap("settings", {"color": "green"})),
                f"{PATH}/intruder.yaml": manifest(intruder),
            },
        )
        report = await world.engine_sync()
        assert report.failure is not None
        assert report.failure.reason is Reason.FORBIDDEN
        assert "system:serviceaccount:" in report.failure.message
        assert str(ObjectId("", "ConfigMap", other, "intruder")) in report.failure.message
        settings = world.live("configmap", "settings")
        assert settings is not None
        assert settings["data"] == {"color": "blue"}
        assert "intruder" not in kube.kubectl("-n", other, "get", "configmaps", "-o", "name")
    finally:
        kube.kubectl("delete", "namespace", other, "--wait=false")

"""What Helm's ``lookup`` is given: the App's target as its service account, credentials
resolved by trueup and kept out of every repr; anything else is refused."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from tests.unit.targets.test_exec_credentials import Plugin
from tests.unit.targets.test_kubeconfig import CERT, KEY
from trueup.config import App
from trueup.config.helm import HelmSpec
from trueup.errors import ConfigError, RenderError
from trueup.inputs.helm_lookup import lookup_access
from trueup.render import RenderLimits
from trueup.render.helm import HelmRender, render_chart
from trueup.render.helm_lookup import LookupAccess
from trueup.targets.kubernetes import ClusterConnection, KubernetesTarget
from trueup.targets.memory import MemoryTarget

pytestmark = pytest.mark.anyio

USER = "system:serviceaccount:shop:deployer"
TOKEN = "lookup-token-canary-4f1a9c"
CA = CERT  # any certificate will do as the trusted one


def _app(**spec: Any) -> App:
    body = {
        "source": "deploy",
        "namespace": "shop",
        "serviceAccountName": "deployer",
        "helm": {"chart": "charts/web", "lookup": True},
        **spec,
    }
    return App.model_validate({"metadata": {"name": "web"}, "spec": body})


@pytest.fixture
async def targets() -> AsyncIterator[list[KubernetesTarget]]:
    """Kubernetes targets opened by a test, closed after it."""
    opened: list[KubernetesTarget] = []
    yield opened
    for target in opened:
        await target.aclose()


def _target(opened: list[KubernetesTarget], **connection: Any) -> KubernetesTarget:
    fields: dict[str, Any] = {"server": "https://127.0.0.1:6443", "ca_data": CA}
    target = KubernetesTarget(ClusterConnection(**(fields | connection)))
    opened.append(target)
    return target


async def test_the_target_is_read_as_the_apps_service_account_with_its_token_file(
    targets: list[KubernetesTarget], tmp_path: Path
) -> None:
    token_file = tmp_path / "token"
    token_file.write_text(TOKEN + "\n")
    (tmp_path / "tls.crt").write_bytes(CERT)
    (tmp_path / "tls.key").write_bytes(KEY)
    target = _target(
        targets,
        token_file=str(token_file),
        client_cert_file=str(tmp_path / "tls.crt"),
        client_key_file=str(tmp_path / "tls.key"),
        tls_server_name="kubernetes",
        impersonate_user=USER,
    )

    access = await lookup_access(_app(), target)

    assert access.server == "https://127.0.0.1:6443"
    assert access.impersonate_user == USER
    assert access.token == TOKEN
    assert access.ca_data == CA
    assert access.client_cert_data == CERT
    assert access.client_key_data == KEY
    request = access.request()
    assert request["impersonateUser"] == USER
    assert request["tlsServerName"] == "kubernetes"
    assert request["caData"] == CA.decode()
    assert request["token"] == TOKEN
    chart = HelmRender("helm", HelmSpec(chart="c", lookup=True), "web", "shop", lookup=access)
    for shown in (repr(access), repr(chart)):
        assert TOKEN not in shown
        assert "PRIVATE KEY" not in shown


async def test_an_exec_plugins_token_and_certificate_are_resolved_before_helm_runs(
    targets: list[KubernetesTarget], tmp_path: Path
) -> None:
    plugin = Plugin(tmp_path)
    plugin.answer(token=TOKEN, clientCertificateData=CERT.decode(), clientKeyData=KEY.decode())
    target = _target(targets, exec_plugin=plugin.exec_plugin(), impersonate_user=USER)

    access = await lookup_access(_app(), target)

    assert (access.token, access.client_cert_data, access.client_key_data) == (
        TOKEN,
        CERT,
        KEY,
    )
    assert len(plugin.calls) == 1


async def test_a_target_acting_as_trueup_itself_is_refused(
    targets: list[KubernetesTarget],
) -> None:
    target = _target(targets, token=TOKEN)  # no impersonation: trueup's own rights
    with pytest.raises(ConfigError, match="only as the App's service account"):
        await lookup_access(_app(), target)
    other = _target(targets, token=TOKEN, impersonate_user="system:serviceaccount:shop:admin")
    with pytest.raises(ConfigError, match="only as the App's service account"):
        await lookup_access(_app(), other)


async def test_a_target_that_is_not_kubernetes_is_refused() -> None:
    with pytest.raises(ConfigError, match="reads a Kubernetes cluster"):
        await lookup_access(_app(), MemoryTarget())


def test_access_without_a_user_to_act_as_is_refused() -> None:
    with pytest.raises(RenderError, match="never with trueup's own rights"):
        LookupAccess(server="https://127.0.0.1:6443", impersonate_user="", token=TOKEN)


def test_a_chart_allowed_lookup_is_not_rendered_without_access(tmp_path: Path) -> None:
    spec = HelmSpec(chart="charts/web", lookup=True)
    helm = HelmRender(str(tmp_path / "no-helper"), spec, "web", "shop")
    with pytest.raises(RenderError, match="no access to the cluster"):
        render_chart(tmp_path, helm, RenderLimits())

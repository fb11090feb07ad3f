"""Exec credential plugins: the client-go protocol, caching, refresh, and failures."""

from __future__ import annotations

import datetime
import ssl
import sys
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest

from tests.unit.targets.test_kubeconfig import CERT, KEY, _write, b64
from trueup.errors import ConfigError
from trueup.targets.kubernetes import load_kubeconfig
from trueup.targets.kubernetes.auth import ClusterAuth
from trueup.targets.kubernetes.exec_credentials import (
    ExecCertificateTransport,
    ExecCredential,
    ExecCredentials,
    ExecPlugin,
)
from trueup.targets.kubernetes.http1 import Http1Transport

pytestmark = pytest.mark.anyio

V1 = "client.authentication.k8s.io/v1"
JWT_CANARY = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJjYW5hcnkifQ.c2lnbmF0dXJlLWNhbmFyeS12YWx1ZQ"

PLUGIN = """\
import json, os, pathlib, sys
folder = pathlib.Path(sys.argv[1])
with open(folder / "calls", "a") as calls:
    calls.write(os.environ["KUBERNETES_EXEC_INFO"] + "\\n")
sys.stdout.write((folder / "answer.json").read_text())
"""


class Plugin:
    """A plugin script that prints ``answer.json`` and logs each call's KUBERNETES_EXEC_INFO."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        (folder / "plugin.py").write_text(PLUGIN)
        self.answer(token="token-1")

    def answer(self, api_version: str = V1, **status: Any) -> None:
        """What the plugin prints from now on."""
        credential = {"apiVersion": api_version, "kind": "ExecCredential", "status": status}
        (self.folder / "answer.json").write_bytes(orjson.dumps(credential))

    @property
    def calls(self) -> list[dict[str, Any]]:
        """The KUBERNETES_EXEC_INFO of every run so far."""
        path = self.folder / "calls"
        lines = path.read_text().splitlines() if path.exists() else []
        return [orjson.loads(line) for line in lines]

    def spec(self, **extra: Any) -> dict[str, Any]:
        """The kubeconfig ``exec`` section running this plugin."""
        return {
            "apiVersion": V1,
            "command": sys.executable,
            "args": [str(self.folder / "plugin.py"), str(self.folder)],
            "interactiveMode": "Never",
            **extra,
        }

    def exec_plugin(self) -> ExecPlugin:
        """The plugin as trueup reads it from a kubeconfig."""
        return ExecPlugin(command=sys.executable, args=tuple(self.spec()["args"]), origin="k")


@pytest.fixture
def plugin(tmp_path: Path) -> Plugin:
    return Plugin(tmp_path)


class Clock:
    def __init__(self) -> None:
        self.now = datetime.datetime(2030, 1, 1, tzinfo=datetime.UTC).timestamp()

    def __call__(self) -> float:
        return self.now


def _rfc3339(timestamp: float) -> str:
    return datetime.datetime.fromtimestamp(timestamp, datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


async def test_the_plugin_gets_its_args_env_and_exec_info_with_cluster_info(
    plugin: Plugin, tmp_path: Path
) -> None:
    spec = plugin.spec(
        env=[{"name": "PLUGIN_REGION", "value": "eu"}],
        provideClusterInfo=True,
    )
    plugin.folder.joinpath("plugin.py").write_text(
        PLUGIN + "assert os.environ['PLUGIN_REGION'] == 'eu'\n"
    )
    path = _write(
        tmp_path / "config",
        user={"exec": spec},
        **{"certificate-authority-data": b64(CERT), "tls-server-name": "api.internal"},
    )
    source = load_kubeconfig(path, allow_exec=True).token_source()
    assert source is not None
    assert await source.token() == "token-1"
    [info] = plugin.calls
    assert info["apiVersion"] == V1
    assert info["kind"] == "ExecCredential"
    assert info["spec"]["interactive"] is False
    assert info["spec"]["cluster"] == {
        "server": "https://127.0.0.1:6443",
        "certificate-authority-data": b64(CERT),
        "tls-server-name": "api.internal",
    }


async def test_the_plugin_gets_no_cluster_info_unless_the_kubeconfig_asks(
    plugin: Plugin, tmp_path: Path
) -> None:
    path = _write(tmp_path / "config", user={"exec": plugin.spec()})
    source = load_kubeconfig(path, allow_exec=True).token_source()
    assert source is not None
    await source.token()
    assert "cluster" not in plugin.calls[0]["spec"]


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"interactiveMode": "Always"}, "needs a terminal .*Never, IfAvailable"),
        ({"interactiveMode": "Sometimes"}, "interactiveMode 'Sometimes' must be one of"),
        ({"apiVersion": "client.authentication.k8s.io/v1alpha1"}, "exec apiVersion must be"),
    ],
)
def test_plugins_trueup_cannot_run_unattended_are_refused_naming_the_user(
    plugin: Plugin, tmp_path: Path, extra: dict[str, str], message: str
) -> None:
    path = _write(tmp_path / "config", user={"exec": plugin.spec(**extra)})
    with pytest.raises(ConfigError, match=message) as caught:
        load_kubeconfig(path, allow_exec=True)
    assert f"{path}: user 'admin'" in str(caught.value)
    assert plugin.calls == []


def test_without_permission_no_plugin_runs_and_the_error_says_how_to_allow_it(
    plugin: Plugin, tmp_path: Path
) -> None:
    path = _write(tmp_path / "config", user={"exec": plugin.spec()})
    with pytest.raises(ConfigError) as caught:
        load_kubeconfig(path)
    assert "pass --allow-exec-credentials to trueup or set TRUEUP_ALLOW_EXEC=1" in str(caught.value)
    assert "allow_exec" not in str(caught.value)
    assert plugin.calls == []


async def test_a_credential_is_cached_until_shortly_before_it_expires(plugin: Plugin) -> None:
    clock = Clock()
    plugin.answer(token="token-1", expirationTimestamp=_rfc3339(clock.now + 300))
    credentials = ExecCredentials(plugin.exec_plugin(), clock=clock)
    assert await credentials.token() == "token-1"
    plugin.answer(token="token-2", expirationTimestamp=_rfc3339(clock.now + 900))
    clock.now += 200
    assert await credentials.token() == "token-1"
    clock.now += 95  # within the refresh margin of the expiry
    assert await credentials.token() == "token-2"
    assert len(plugin.calls) == 2


async def test_a_credential_without_expiry_is_kept_until_the_server_rejects_it(
    plugin: Plugin,
) -> None:
    credentials = ExecCredentials(plugin.exec_plugin())
    assert await credentials.token() == "token-1"
    assert await credentials.token() == "token-1"
    plugin.answer(token="token-2")
    assert await credentials.token(rejected="token-1") == "token-2"
    # A second request rejected with the old token gets the new one without another run.
    assert await credentials.token(rejected="token-1") == "token-2"
    assert len(plugin.calls) == 2


async def test_a_401_runs_the_plugin_again_and_resends_once(plugin: Plugin) -> None:
    credentials = ExecCredentials(plugin.exec_plugin())
    seen: list[str | None] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers.get("Authorization"))
        return httpx.Response(200 if request.headers["Authorization"] == "Bearer token-2" else 401)

    transport = httpx.MockTransport(handler)
    async with httpx.AsyncClient(auth=ClusterAuth(credentials), transport=transport) as client:
        await credentials.token()
        plugin.answer(token="token-2")
        response = await client.get("https://127.0.0.1/api")
    assert response.status_code == 200
    assert seen == ["Bearer token-1", "Bearer token-2"]


@pytest.mark.parametrize(
    ("status", "api_version", "message"),
    [
        ({}, V1, "neither status.token nor a client certificate"),
        ({"clientCertificateData": "pem"}, V1, "without clientKeyData"),
        ({"token": "t"}, "client.authentication.k8s.io/v1beta1", "make exec.apiVersion match"),
        ({"token": "t", "expirationTimestamp": "tomorrow"}, V1, "not RFC 3339"),
        ({"token": "t", "expirationTimestamp": "2001-01-01T00:00:00Z"}, V1, "already expired"),
    ],
)
async def test_an_unusable_answer_is_a_config_error_naming_the_plugin(
    plugin: Plugin, status: dict[str, str], api_version: str, message: str
) -> None:
    plugin.answer(api_version, **status)
    with pytest.raises(ConfigError, match=message) as caught:
        await ExecCredentials(plugin.exec_plugin()).token()
    assert f"k: exec credential plugin {sys.executable!r}" in str(caught.value)


async def test_a_failing_plugin_names_its_command_and_quotes_its_masked_stderr() -> None:
    script = (
        "import sys\n"
        "print('error: not logged in; run aws sso login', file=sys.stderr)\n"
        f"print('bearer {JWT_CANARY} secret-env-value', file=sys.stderr)\n"
        "print('x' * 5000, file=sys.stderr)\n"
        "print('last words', file=sys.stderr)\n"
        "sys.exit(3)\n"
    )
    plugin = ExecPlugin(
        command=sys.executable,
        args=("-c", script),
        env={"AWS_SECRET": "secret-env-value"},
        origin="kubeconfig: user 'eks'",
    )
    with pytest.raises(ConfigError) as caught:
        await ExecCredentials(plugin).token()
    message = str(caught.value)
    assert message.startswith(
        f"kubeconfig: user 'eks': exec credential plugin {sys.executable!r} "
        "failed with exit code 3: "
    )
    assert "last words" in message
    assert JWT_CANARY not in message
    assert "secret-env-value" not in message
    assert len(message) < 1200


async def test_a_plugin_that_is_not_installed_shows_the_install_hint(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "config",
        user={
            "exec": {
                "apiVersion": V1,
                "command": "trueup-test-no-such-plugin",
                "installHint": "install it with: brew install no-such-plugin",
            }
        },
    )
    source = load_kubeconfig(path, allow_exec=True).token_source()
    assert source is not None
    with pytest.raises(ConfigError, match=r"cannot be started .*brew install no-such-plugin"):
        await source.token()


async def test_a_plugin_that_hangs_is_stopped_after_the_timeout() -> None:
    plugin = ExecPlugin(command=sys.executable, args=("-c", "import time; time.sleep(60)"))
    with pytest.raises(ConfigError, match=r"did not finish within 0\.2s; .* interactive login"):
        await ExecCredentials(plugin, timeout=0.2).token()


class _Recorder(Http1Transport):
    def __init__(self, credential: ExecCredential | None, log: list[_Recorder]) -> None:
        super().__init__(None)
        self.credential = credential
        self.closed = False
        log.append(self)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        return httpx.Response(200)

    async def aclose(self) -> None:
        self.closed = True


async def test_a_client_certificate_gets_new_connections_when_the_plugin_rotates_it(
    plugin: Plugin,
) -> None:
    clock = Clock()
    made: list[_Recorder] = []
    credentials = ExecCredentials(plugin.exec_plugin(), clock=clock)
    transport = ExecCertificateTransport(credentials, lambda c: _Recorder(c, made))

    def rotate(cert: bytes) -> None:
        plugin.answer(
            clientCertificateData=cert.decode(),
            clientKeyData=KEY.decode(),
            expirationTimestamp=_rfc3339(clock.now + 600),
        )

    request = httpx.Request("GET", "https://127.0.0.1/api")
    for cert in (CERT, CERT.replace(b"-----END", b"\n-----END"), CERT):
        rotate(cert)
        await transport.handle_async_request(request)
        await transport.handle_async_request(request)
        clock.now += 600
    assert [r.credential.client_cert if r.credential else None for r in made] == [
        CERT,
        CERT.replace(b"-----END", b"\n-----END"),
        CERT,
    ]
    assert [r.closed for r in made] == [True, False, False]
    await transport.aclose()
    assert all(r.closed for r in made)


def test_a_connection_presents_the_plugins_certificate_in_its_tls_context(
    plugin: Plugin, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    loaded: list[bytes] = []

    def spy(self: object, certfile: str, keyfile: str | None = None) -> None:
        loaded.append(Path(certfile).read_bytes())

    monkeypatch.setattr(ssl.SSLContext, "load_cert_chain", spy)
    path = _write(tmp_path / "config", user={"exec": plugin.spec()})
    connection = load_kubeconfig(path, allow_exec=True)
    connection.ssl_context(ExecCredential(client_cert=CERT, client_key=KEY))
    assert loaded == [CERT]


def test_exec_credentials_stay_out_of_reprs(plugin: Plugin) -> None:
    credential = ExecCredential(token=JWT_CANARY, client_cert=CERT, client_key=KEY)
    assert JWT_CANARY not in repr(credential)
    assert "PRIVATE" not in repr(credential)

"""Reading kubeconfig files and in-cluster settings into a ClusterConnection."""

from __future__ import annotations

import base64
import datetime
import os
import tempfile
from pathlib import Path

import pytest
import yaml
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from trueup.errors import ConfigError
from trueup.targets.kubernetes import ClusterConnection, load_kubeconfig
from trueup.targets.kubernetes.auth import FileToken

TOKEN = "kubeconfig-token-canary"


def _cert_and_key() -> tuple[bytes, bytes]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "trueup-test")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(now)
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    return (
        cert.public_bytes(serialization.Encoding.PEM),
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ),
    )


CERT, KEY = _cert_and_key()


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _write(path: Path, *, user: dict[str, object], **cluster: object) -> Path:
    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "current-context": "dev",
        "clusters": [{"name": "dev", "cluster": {"server": "https://127.0.0.1:6443", **cluster}}],
        "users": [{"name": "admin", "user": user}],
        "contexts": [
            {"name": "dev", "context": {"cluster": "dev", "user": "admin", "namespace": "shop"}}
        ],
    }
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    return path


def test_data_fields_are_decoded_and_the_current_context_is_used(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "config",
        user={"client-certificate-data": b64(CERT), "client-key-data": b64(KEY)},
        **{"certificate-authority-data": b64(CERT)},
    )
    connection = load_kubeconfig(path)
    assert connection.server == "https://127.0.0.1:6443"
    assert connection.ca_data == CERT
    assert connection.client_cert_data == CERT
    assert connection.client_key_data == KEY
    assert connection.namespace == "shop"
    assert connection.origin == f"{path}: context 'dev'"


def test_file_fields_are_relative_to_the_kubeconfig_that_names_them(tmp_path: Path) -> None:
    (tmp_path / "pki").mkdir()
    (tmp_path / "pki" / "ca.crt").write_bytes(CERT)
    (tmp_path / "token").write_text(TOKEN + "\n")
    path = _write(
        tmp_path / "config",
        user={"client-certificate": "pki/ca.crt", "client-key": "pki/key", "tokenFile": "token"},
        **{"certificate-authority": "pki/ca.crt"},
    )
    connection = load_kubeconfig(str(path))
    assert connection.ca_data == CERT
    assert connection.client_cert_file == str(tmp_path / "pki" / "ca.crt")
    assert connection.client_key_file == str(tmp_path / "pki" / "key")
    source = connection.token_source()
    assert isinstance(source, FileToken)
    assert source.path == tmp_path / "token"


def test_a_kubeconfig_list_merges_by_name_and_the_first_file_wins(tmp_path: Path) -> None:
    first = _write(tmp_path / "a", user={"token": "first"})
    second = tmp_path / "b"
    second.write_text(
        yaml.safe_dump(
            {
                "current-context": "other",
                "clusters": [{"name": "far", "cluster": {"server": "https://10.0.0.1"}}],
                "users": [{"name": "admin", "user": {"token": "second"}}],
                "contexts": [{"name": "other", "context": {"cluster": "far", "user": "admin"}}],
            }
        )
    )
    missing = tmp_path / "missing"
    paths = os.pathsep.join([str(missing), str(first), str(second)])
    current = load_kubeconfig(paths)
    assert (current.server, current.token) == ("https://127.0.0.1:6443", "first")
    other = load_kubeconfig(environ={"KUBECONFIG": paths}, context="other")
    assert (other.server, other.token, other.namespace) == ("https://10.0.0.1", "first", "default")


@pytest.mark.parametrize(
    ("user", "context", "message"),
    [
        ({"token": TOKEN}, "nope", "no context 'nope' \\(known: dev\\)"),
        ({"auth-provider": {"name": "gcp"}}, None, "auth-provider plugins are not supported"),
        ({"username": "u", "password": TOKEN}, None, "basic auth is not supported"),
        (
            {"exec": {"command": "aws-iam"}},
            None,
            "exec credential plugin 'aws-iam'.*--allow-exec-credentials.*TRUEUP_ALLOW_EXEC=1",
        ),
    ],
)
def test_unusable_kubeconfigs_are_refused_naming_the_file(
    tmp_path: Path, user: dict[str, object], context: str | None, message: str
) -> None:
    path = _write(tmp_path / "config", user=user)
    with pytest.raises(ConfigError, match=message) as caught:
        load_kubeconfig(path, context=context)
    assert str(path) in str(caught.value)
    assert TOKEN not in str(caught.value)


def test_a_missing_kubeconfig_and_invalid_yaml_are_config_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no kubeconfig found"):
        load_kubeconfig(tmp_path / "absent")
    broken = tmp_path / "broken"
    broken.write_text("clusters:\n  - name: [unclosed\n")
    with pytest.raises(ConfigError, match=f"{broken}:\\d+: the kubeconfig is not valid YAML"):
        load_kubeconfig(broken)


def test_tokens_stay_out_of_reprs(tmp_path: Path) -> None:
    connection = load_kubeconfig(_write(tmp_path / "config", user={"token": TOKEN}))
    assert connection.token == TOKEN
    assert TOKEN not in repr(connection)
    assert TOKEN not in repr(connection.auth())


def test_credentials_are_not_sent_over_plain_http_except_to_loopback() -> None:
    with pytest.raises(ConfigError, match="over plain http"):
        ClusterConnection(server="http://cluster.example.com", token=TOKEN)
    assert ClusterConnection(server="http://127.0.0.1:8001", token=TOKEN).server


def test_client_certificate_data_is_loaded_through_a_private_temporary_file(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    seen_modes = []
    real_mkstemp = tempfile.mkstemp

    def spying_mkstemp(*args: object, **kwargs: object) -> tuple[int, str]:
        fd, name = real_mkstemp(*args, **kwargs)  # type: ignore[call-overload]
        seen_modes.append(os.stat(name).st_mode & 0o777)
        return fd, name

    monkeypatch.setattr(tempfile, "mkstemp", spying_mkstemp)
    connection = ClusterConnection(
        server="https://127.0.0.1:6443", client_cert_data=CERT, client_key_data=KEY, ca_data=CERT
    )
    connection.ssl_context()
    assert seen_modes == [0o600, 0o600]
    assert list(tmp_path.iterdir()) == []


def test_the_trusted_cas_are_the_kubeconfigs_own_or_the_systems_never_both() -> None:
    import ssl

    own = ClusterConnection(server="https://127.0.0.1:6443", ca_data=CERT).ssl_context()
    system = ClusterConnection(server="https://127.0.0.1:6443").ssl_context()
    insecure = ClusterConnection(
        server="https://127.0.0.1:6443", insecure_skip_tls_verify=True
    ).ssl_context()

    assert [ca["subject"] for ca in own.get_ca_certs()] == [((("commonName", "trueup-test"),),)]
    assert (own.verify_mode, own.check_hostname) == (ssl.CERT_REQUIRED, True)
    assert (system.verify_mode, system.check_hostname) == (ssl.CERT_REQUIRED, True)
    assert (insecure.verify_mode, insecure.check_hostname) == (ssl.CERT_NONE, False)
    assert insecure.get_ca_certs() == []


def test_a_key_that_does_not_match_is_a_config_error_without_the_key() -> None:
    _other_cert, other_key = _cert_and_key()
    connection = ClusterConnection(
        server="https://127.0.0.1:6443", client_cert_data=CERT, client_key_data=other_key
    )
    with pytest.raises(ConfigError, match="client certificate or key cannot be loaded") as caught:
        connection.ssl_context()
    assert "PRIVATE KEY" not in str(caught.value)


def test_in_cluster_reads_the_service_account_and_the_service_env(tmp_path: Path) -> None:
    (tmp_path / "token").write_text(TOKEN)
    (tmp_path / "ca.crt").write_bytes(CERT)
    (tmp_path / "namespace").write_text("trueup-system\n")
    environ = {"KUBERNETES_SERVICE_HOST": "fd00::1", "KUBERNETES_SERVICE_PORT": "443"}
    connection = ClusterConnection.in_cluster(environ=environ, service_account_dir=tmp_path)
    assert connection.server == "https://[fd00::1]:443"
    assert connection.ca_data == CERT
    assert connection.namespace == "trueup-system"
    assert connection.token_file == str(tmp_path / "token")


def test_in_cluster_outside_a_pod_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not running inside a Kubernetes pod"):
        ClusterConnection.in_cluster(environ={}, service_account_dir=tmp_path)

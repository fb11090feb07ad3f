"""Secret types held against their use: ``kubernetes.io/basic-auth`` for https Git only."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.unit.config.gitsources import issues, load, source
from trueup.config import load_config
from trueup.source.from_config import repository_for
from trueup.source.model import GitAuth

BASIC = """\
---
apiVersion: v1
kind: Secret
metadata: {name: basic}
type: kubernetes.io/basic-auth
stringData: {username: bot, password: pw, ca.crt: CA}
"""
"""A basic-auth Secret (with a private CA, which Kubernetes allows next to its keys)."""

HTTPS_URL = "url: https://git.example.test/org/deploy.git"
SSH_URL = "url: ssh://git@git.example.test/org/deploy.git"

TYPE_REFUSED = (
    "Secret 'basic' is of type kubernetes.io/basic-auth, which is read only for https Git "
    "credentials (a GitSource's spec.secretRef or spec.write.secretRef with an https URL), "
    "not here"
)


def test_a_basic_auth_secret_gives_an_https_source_its_user_name_and_password(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = load(tmp_path, monkeypatch, source(f"{HTTPS_URL}\nsecretRef: {{name: basic}}") + BASIC)
    assert issues(config) == []
    repository = repository_for(config.sources[0], config)
    assert repository.auth == GitAuth(username="bot", password="pw")
    assert repository.ca_cert == "CA"


def test_a_basic_auth_secret_is_accepted_as_https_write_credentials(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    spec = f"{HTTPS_URL}\nsecretRef: {{name: deploy-read}}\nwrite:\n  secretRef: {{name: basic}}"
    config = load(tmp_path, monkeypatch, source(spec) + BASIC)
    assert issues(config) == []
    assert [str(s.id) for s in config.sources] == ["GitSource/deploy"]


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        pytest.param(
            f"{SSH_URL}\nsecretRef: {{name: basic}}",
            f"sources.yaml:6: GitSource/deploy: spec.secretRef.name: {TYPE_REFUSED} (name a "
            "Secret of type Opaque here)",
            id="ssh-read-credentials",
        ),
        pytest.param(
            f"{SSH_URL}\nsecretRef: {{name: ssh-write}}\nwrite:\n  secretRef: {{name: basic}}",
            f"sources.yaml:8: GitSource/deploy: spec.write.secretRef.name: {TYPE_REFUSED} (name "
            "a Secret of type Opaque here)",
            id="ssh-write-credentials",
        ),
        pytest.param(
            f"{HTTPS_URL}\nverify: {{mode: ssh, secretRef: {{name: basic}}}}",
            f"sources.yaml:6: GitSource/deploy: spec.verify.secretRef.name: {TYPE_REFUSED} (name "
            "a Secret of type Opaque here)",
            id="signature-keys",
        ),
        pytest.param(
            f"{HTTPS_URL}\nsecretRef: {{name: deploy-read}}\nwrite:\n"
            "  secretRef: {name: deploy-write}\n"
            "  signingKey: {mode: ssh, secretRef: {name: basic}}",
            f"sources.yaml:9: GitSource/deploy: spec.write.signingKey.secretRef.name: "
            f"{TYPE_REFUSED} (name a Secret of type Opaque here)",
            id="signing-key",
        ),
    ],
)
def test_a_basic_auth_secret_is_refused_by_a_source_where_no_password_is_sent(
    spec: str, expected: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = load(tmp_path, monkeypatch, source(spec) + BASIC)
    assert issues(config) == [expected]
    assert config.sources == ()
    assert "Secret/basic" in [str(s.id) for s in config.secrets]


def test_a_basic_auth_secret_is_refused_as_registry_credentials(tmp_path: Path) -> None:
    file = tmp_path / "images.yaml"
    file.write_text(
        "apiVersion: trueup.dev/v1alpha1\nkind: ImageRepository\nmetadata: {name: app}\n"
        "spec:\n  image: registry.example.test/org/app\n  secretRef: {name: basic}\n" + BASIC
    )
    config = load_config(file)
    assert [str(i) for i in config.errors] == [
        f"{file}:6: ImageRepository/app: spec.secretRef.name: {TYPE_REFUSED} (name a Secret "
        "of type Opaque or kubernetes.io/dockerconfigjson here)"
    ]
    assert config.image_repositories == ()


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        pytest.param(
            "{username: bot}",
            "a Secret of type kubernetes.io/basic-auth must hold password",
            id="no-password",
        ),
        pytest.param(
            "{}",
            "a Secret of type kubernetes.io/basic-auth must hold username and password",
            id="empty",
        ),
        pytest.param(
            "{username: bot, password: pw, bearerToken: t}",
            "a Secret of type kubernetes.io/basic-auth holds bearerToken, which is not basic "
            "authentication",
            id="with-a-token",
        ),
        pytest.param(
            "{username: bot, password: pw, identity: k, known_hosts: h}",
            "a Secret of type kubernetes.io/basic-auth holds identity and known_hosts, which is "
            "not basic authentication",
            id="with-an-ssh-key",
        ),
    ],
)
def test_a_basic_auth_secret_must_hold_a_user_name_and_password_and_no_other_credential(
    data: str, expected: str, tmp_path: Path
) -> None:
    file = tmp_path / "secret.yaml"
    file.write_text(
        "apiVersion: v1\nkind: Secret\nmetadata: {name: basic}\n"
        f"type: kubernetes.io/basic-auth\nstringData: {data}\n"
    )
    config = load_config(file)
    assert [str(i) for i in config.errors] == [
        f"{file}:1: Secret/basic: {expected} (give it the keys username and password (and "
        "ca.crt if the server needs one); for bearerToken, or identity and known_hosts, write "
        "type Opaque)"
    ]
    assert config.secrets == ()

"""``spec.decryption``: the App's decryption Secret is checked when the configuration loads
(it exists, holds valid age identities, and no PGP key), and its keys reach no message."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from trueup.config import load_config
from trueup.config.decryption import identities_of, pgp_keys_of

FIXTURES = Path(__file__).parents[2] / "fixtures" / "sops"
TEST_KEY = (FIXTURES / "test-only-age-key.txt").read_text()
IDENTITY_BODY = TEST_KEY.split("AGE-SECRET-KEY-1")[1]

CONFIG = """\
apiVersion: trueup.dev/v1alpha1
kind: GitSource
metadata: {name: deploy}
spec: {url: "https://git.example.test/deploy.git"}
---
apiVersion: trueup.dev/v1alpha1
kind: App
metadata: {name: web}
spec:
  source: deploy
  decryption: {provider: sops, secretRef: {name: sops-keys}}
"""


def write(tmp_path: Path, string_data: dict[str, str] | None, app_extra: str = "") -> Path:
    path = tmp_path / "trueup.yaml"
    text = CONFIG + app_extra
    if string_data is not None:
        secret = {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {"name": "sops-keys"},
            "stringData": string_data,
        }
        text += "---\n" + yaml.safe_dump(secret)
    path.write_text(text)
    return path


def test_an_app_with_a_secret_of_age_keys_loads_with_every_identity(tmp_path: Path) -> None:
    two = TEST_KEY + "\n# and another, blank lines and comments allowed\n\n"
    config = load_config(write(tmp_path, {"age.agekey": two, "other": "ignored"}))

    assert config.errors == ()
    [app] = config.apps
    assert app.spec.decryption is not None
    assert app.spec.decryption.provider == "sops"
    secret = config.secret("", app.spec.decryption.secret_ref.name)
    assert secret is not None
    assert identities_of(secret) == tuple(
        line for line in TEST_KEY.splitlines() if line.startswith("AGE-SECRET-KEY-")
    )


def test_an_app_with_a_pgp_private_key_alone_loads_with_it(tmp_path: Path) -> None:
    pgp = (FIXTURES / "test-only-pgp-key.asc").read_text()
    config = load_config(write(tmp_path, {"ops.asc": pgp}))

    assert config.errors == ()
    secret = config.secret("", "sops-keys")
    assert secret is not None
    assert pgp_keys_of(secret) == (pgp,)
    assert identities_of(secret) == ()


@pytest.mark.parametrize(
    ("string_data", "message"),
    [
        (None, "spec.decryption.secretRef.name: no Secret named 'sops-keys'"),
        ({"key.txt": TEST_KEY}, "Secret 'sops-keys' holds no age or PGP key"),
        ({"a.agekey": "# only a comment\n"}, "key 'a.agekey' of Secret 'sops-keys' holds no age"),
        ({"a.agekey": TEST_KEY[:-8] + "QQQQQQQ\n"}, "identity 1 in key 'a.agekey'"),
        (
            {"a.agekey": TEST_KEY, "ops.asc": "-----BEGIN PGP PUBLIC KEY BLOCK-----\n"},
            "key 'ops.asc' of Secret 'sops-keys' holds no PGP private key",
        ),
    ],
    ids=["missing", "no-key", "no-identity", "bad-checksum", "pgp-public-key"],
)
def test_a_decryption_secret_that_cannot_decrypt_drops_the_app_naming_the_field(
    tmp_path: Path, string_data: dict[str, str] | None, message: str
) -> None:
    config = load_config(write(tmp_path, string_data))

    assert config.apps == ()
    [issue] = [str(i) for i in config.errors]
    assert "App/web" in issue
    assert message in issue
    assert IDENTITY_BODY[:20] not in issue


@pytest.mark.parametrize(
    ("decryption", "field"),
    [
        ("{provider: vault, secretRef: {name: sops-keys}}", "provider"),
        ("{provider: sops}", "secretRef"),
        ("{provider: sops, secretRef: {name: sops-keys}, keys: x}", "keys"),
    ],
)
def test_a_malformed_decryption_is_refused_naming_the_field(
    tmp_path: Path, decryption: str, field: str
) -> None:
    path = tmp_path / "trueup.yaml"
    path.write_text(
        write(tmp_path, {"a.agekey": TEST_KEY})
        .read_text()
        .replace("{provider: sops, secretRef: {name: sops-keys}}", decryption)
    )

    config = load_config(path)

    assert config.apps == ()
    assert any(f"spec.decryption.{field}" in str(i) for i in config.errors), config.errors

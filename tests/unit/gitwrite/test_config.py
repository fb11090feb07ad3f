"""``GitSource.spec.write``: defaults, transport rules, bounds, and the Secrets it names,
checked when the configuration loads and turned into a :class:`WritableRepository`."""

from __future__ import annotations

from pathlib import Path

import pytest

from trueup.config import LoadedConfig, load_config
from trueup.errors import ConfigError
from trueup.gitwrite import Author, SigningMode, writable_repository_for
from trueup.source import GitAuth

SECRETS = """\
---
apiVersion: v1
kind: Secret
metadata: {name: deploy-read}
stringData: {username: reader, password: read-pass, ca.crt: READ-CA}
---
apiVersion: v1
kind: Secret
metadata: {name: deploy-write}
stringData: {bearerToken: write-token}
---
apiVersion: v1
kind: Secret
metadata: {name: ssh-write}
stringData: {identity: KEY, known_hosts: HOSTS}
---
apiVersion: v1
kind: Secret
metadata: {name: ssh-signer}
stringData: {identity: "-----BEGIN OPENSSH PRIVATE KEY-----\\nabc\\n"}
"""


def source(spec: str, name: str = "deploy") -> str:
    body = "\n".join("  " + line for line in spec.strip().splitlines())
    return (
        f"apiVersion: trueup.dev/v1alpha1\nkind: GitSource\nmetadata: {{name: {name}}}\n"
        f"spec:\n{body}\n"
    )


def load(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str) -> LoadedConfig:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "sources.yaml").write_text(text + SECRETS)
    return load_config(Path("."))


def issues(config: LoadedConfig) -> list[str]:
    return [str(issue) for issue in config.errors]


HTTPS = "url: https://git.example.test/org/deploy.git\nsecretRef: {name: deploy-read}"


def test_a_write_block_uses_only_its_own_secret_and_the_default_author(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = load(
        tmp_path, monkeypatch, source(HTTPS + "\nwrite:\n  secretRef: {name: deploy-write}")
    )
    assert issues(config) == []
    writable = writable_repository_for(config.sources[0], config)
    assert writable.repository.auth == GitAuth(token="write-token")  # not the read password
    assert writable.repository.ca_cert == "READ-CA"  # the server's CA is not a credential
    assert writable.author == Author("trueup", "trueup@localhost")
    assert writable.retries == 3
    assert writable.signing is None
    assert writable.repository.url == "https://git.example.test/org/deploy.git"


def test_author_retries_and_signing_key_are_used_as_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    spec = """
url: ssh://git@git.example.test/org/deploy.git
secretRef: {name: ssh-write}
write:
  secretRef: {name: ssh-write}
  author: {name: Deploy Bot, email: bot@example.test}
  signingKey: {mode: ssh, secretRef: {name: ssh-signer}}
  retries: 7
"""
    config = load(tmp_path, monkeypatch, source(spec))
    assert issues(config) == []
    writable = writable_repository_for(config.sources[0], config)
    assert writable.author == Author("Deploy Bot", "bot@example.test")
    assert writable.retries == 7
    assert writable.signing is not None
    assert writable.signing.mode is SigningMode.SSH
    assert "OPENSSH PRIVATE KEY" in writable.signing.private_key
    assert writable.repository.auth == GitAuth(ssh_private_key="KEY", ssh_known_hosts="HOSTS")


def test_a_source_without_write_block_cannot_be_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = load(tmp_path, monkeypatch, source(HTTPS))
    with pytest.raises(ConfigError, match=r"GitSource/deploy has no spec\.write"):
        writable_repository_for(config.sources[0], config)


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        pytest.param(
            HTTPS + "\nwrite: {}",
            "sources.yaml:7: GitSource/deploy: spec.write: pushing needs write credentials of "
            "their own (the read spec.secretRef is never used to write) (name a Secret with keys "
            "username and password, or bearerToken in spec.write.secretRef; it may be the same "
            "Secret as spec.secretRef)",
            id="https-without-write-secret",
        ),
        pytest.param(
            "url: ssh://git@git.example.test/o/r.git\nsecretRef: {name: ssh-write}\nwrite: {}",
            "sources.yaml:7: GitSource/deploy: spec.write: pushing needs write credentials of "
            "their own (the read spec.secretRef is never used to write) (name a Secret with keys "
            "identity and known_hosts in spec.write.secretRef; it may be the same Secret as "
            "spec.secretRef)",
            id="ssh-without-write-secret",
        ),
        pytest.param(
            "url: http://127.0.0.1:8080/r.git\nwrite:\n  secretRef: {name: deploy-write}",
            "sources.yaml:6: GitSource/deploy: spec.write: credentials are never sent over plain "
            "http (use the https:// URL of the repository)",
            id="plain-http-with-write-secret",
        ),
        pytest.param(
            "url: file:///srv/git/r.git\nwrite:\n  secretRef: {name: deploy-write}",
            "sources.yaml:6: GitSource/deploy: spec.write: a local repository takes no "
            "credentials (remove spec.write.secretRef)",
            id="local-with-write-secret",
        ),
        pytest.param(
            HTTPS + "\nwrite:\n  secretRef: {name: deploy-write}\n  retries: 11",
            "sources.yaml:9: GitSource/deploy: spec.write.retries: Input should be less than "
            "or equal to 10 (see the configuration reference)",
            id="too-many-retries",
        ),
        pytest.param(
            HTTPS + "\nwrite:\n  secretRef: {name: deploy-write}\n  retries: -1",
            "sources.yaml:9: GitSource/deploy: spec.write.retries: Input should be greater "
            "than or equal to 0 (see the configuration reference)",
            id="negative-retries",
        ),
        pytest.param(
            HTTPS + "\nwrite:\n  secretRef: {name: deploy-write}\n"
            "  author: {name: 'Bot <evil@x>', email: bot@example.test}",
            "sources.yaml:9: GitSource/deploy: spec.write.author.name: 'Bot <evil@x>' cannot be "
            "a commit author's name or email (give a plain name and email, without '<', '>' or "
            "line breaks)",
            id="author-with-angle-brackets",
        ),
        pytest.param(
            HTTPS + "\nwrite:\n  secretRef: {name: missing}",
            "sources.yaml:8: GitSource/deploy: spec.write.secretRef.name: no Secret named "
            "'missing' (declare it, or fix the name)",
            id="missing-write-secret",
        ),
        pytest.param(
            "url: ssh://git@git.example.test/o/r.git\nsecretRef: {name: ssh-write}\n"
            "write:\n  secretRef: {name: deploy-write}",
            "sources.yaml:8: GitSource/deploy: spec.write.secretRef.name: Secret 'deploy-write' "
            "lacks identity and known_hosts for SSH (add the private key as identity, and the "
            "host keys from ssh-keyscan as known_hosts)",
            id="ssh-write-secret-without-key",
        ),
        pytest.param(
            HTTPS + "\nwrite:\n  secretRef: {name: ssh-write}",
            "sources.yaml:8: GitSource/deploy: spec.write.secretRef.name: Secret 'ssh-write' "
            "holds no HTTPS credentials (add username and password, or bearerToken)",
            id="https-write-secret-without-credentials",
        ),
        pytest.param(
            HTTPS + "\nwrite:\n  secretRef: {name: deploy-write}\n"
            "  signingKey: {mode: gpg, secretRef: {name: ssh-signer}}",
            "sources.yaml:9: GitSource/deploy: spec.write.signingKey.secretRef.name: Secret "
            "'ssh-signer' has no key git.asc (add the armored GPG secret key as git.asc)",
            id="gpg-signer-without-git-asc",
        ),
        pytest.param(
            HTTPS + "\nwrite:\n  secretRef: {name: deploy-write}\n"
            "  signingKey: {mode: ssh, secretRef: {name: deploy-write}}",
            "sources.yaml:9: GitSource/deploy: spec.write.signingKey.secretRef.name: Secret "
            "'deploy-write' has no key identity (add the OpenSSH private key as identity)",
            id="ssh-signer-without-identity",
        ),
        pytest.param(
            HTTPS + "\nwrite:\n  secretRef: {name: deploy-write}\n"
            "  signingKey: {mode: x509, secretRef: {name: deploy-write}}",
            "sources.yaml:9: GitSource/deploy: spec.write.signingKey.mode: Input should be 'gpg' "
            "or 'ssh' (see the configuration reference)",
            id="unknown-signing-mode",
        ),
        pytest.param(
            HTTPS + "\nwrite:\n  secretRef: {name: deploy-write}\n  branch: other",
            "sources.yaml:9: GitSource/deploy: spec.write.branch: unknown field (remove it; known "
            "fields here: author, retries, secretRef, signingKey)",
            id="unknown-field",
        ),
    ],
)
def test_each_bad_write_block_is_one_issue_and_drops_the_source(
    spec: str, expected: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = load(tmp_path, monkeypatch, source(spec))
    found = issues(config)
    assert len(found) == 1, found
    assert found[0] == expected
    assert config.sources == ()


def test_plain_http_and_local_sources_write_without_credentials(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = source("url: http://127.0.0.1:8080/r.git\nwrite: {}", "loop") + "---\n"
    text += source("url: file:///srv/git/r.git\nwrite: {retries: 0}", "local")
    config = load(tmp_path, monkeypatch, text)
    assert issues(config) == []
    writables = [writable_repository_for(s, config) for s in config.sources]
    assert [w.repository.auth for w in writables] == [None, None]
    assert [w.retries for w in writables] == [3, 0]

"""``GitSource.spec.write`` and its Secrets turned into a :class:`WritableRepository`.

What the configuration refuses is tested in ``tests/unit/config/test_gitsource_write.py``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.unit.config.gitsources import HTTPS, issues, load, source
from trueup.errors import ConfigError
from trueup.gitwrite import Author, SigningMode, writable_repository_for
from trueup.source import GitAuth


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


def test_a_private_ca_in_the_write_secret_wins_over_the_read_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = load(
        tmp_path, monkeypatch, source(HTTPS + "\nwrite:\n  secretRef: {name: write-with-ca}")
    )
    assert issues(config) == []
    writable = writable_repository_for(config.sources[0], config)
    assert writable.repository.ca_cert == "WRITE-CA"


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

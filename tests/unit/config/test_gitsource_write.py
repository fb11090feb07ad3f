"""``GitSource.spec.write`` refused when the configuration loads: each bad field is one
issue naming the file, line, object and field, and drops the source."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.unit.config.gitsources import HTTPS, issues, load, source
from trueup.config.gitsource import MAX_IDENTITY_LENGTH

AUTHOR_HINT = (
    f" (give a plain name and email of at most {MAX_IDENTITY_LENGTH} characters, without "
    "'<', '>' or line breaks)"
)


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
            "a commit author's name or email: it holds '<', '>' or a line break" + AUTHOR_HINT,
            id="author-with-angle-brackets",
        ),
        pytest.param(
            HTTPS + "\nwrite:\n  secretRef: {name: deploy-write}\n  author: {name: ''}",
            "sources.yaml:9: GitSource/deploy: spec.write.author.name: '' cannot be a commit "
            "author's name or email: it is empty" + AUTHOR_HINT,
            id="empty-author-name",
        ),
        pytest.param(
            HTTPS + "\nwrite:\n  secretRef: {name: deploy-write}\n"
            f"  author: {{email: {'b' * 190}@example.test}}",
            f"sources.yaml:9: GitSource/deploy: spec.write.author.email: '{'b' * 80}' cannot be "
            "a commit author's name or email: it is longer than 200 characters" + AUTHOR_HINT,
            id="author-email-over-200-characters",
        ),
        pytest.param(
            HTTPS + "\nwrite:\n  secretRef: {name: deploy-write}\n"
            '  author: {name: "Bot\\nCommitter: x"}',
            "sources.yaml:9: GitSource/deploy: spec.write.author.name: 'Bot\nCommitter: x' "
            "cannot be a commit author's name or email: it holds '<', '>' or a line break"
            + AUTHOR_HINT,
            id="author-with-line-break",
        ),
        pytest.param(
            HTTPS + "\nwrite:\n  secretRef: {name: deploy-write}\n  retries: three",
            "sources.yaml:9: GitSource/deploy: spec.write.retries: Input should be a valid "
            "integer, unable to parse string as an integer (see the configuration reference)",
            id="retries-not-a-number",
        ),
        pytest.param(
            HTTPS + "\nwrite:\n  secretRef: {name: deploy-write}\n  signingKey: gpg",
            "sources.yaml:9: GitSource/deploy: spec.write.signingKey: expected a mapping (write "
            "key: value pairs under it)",
            id="signing-key-not-an-object",
        ),
        pytest.param(
            HTTPS + "\nwrite:\n  secretRef: {name: deploy-write}\n  signingKey: {mode: ssh}",
            "sources.yaml:9: GitSource/deploy: spec.write.signingKey.secretRef: required field is "
            "missing (add it)",
            id="signing-key-without-secret",
        ),
        pytest.param(
            HTTPS + "\nwrite:\n  secretRef: {}",
            "sources.yaml:8: GitSource/deploy: spec.write.secretRef.name: required field is "
            "missing (add it)",
            id="write-secret-without-name",
        ),
        pytest.param(
            HTTPS + "\nwrite: push",
            "sources.yaml:7: GitSource/deploy: spec.write: expected a mapping (write key: value "
            "pairs under it)",
            id="write-not-an-object",
        ),
        pytest.param(
            HTTPS + "\nwrite:\n  secretRef: {name: half-basic}",
            "sources.yaml:8: GitSource/deploy: spec.write.secretRef.name: Secret 'half-basic' "
            "must hold both username and password (add the missing key)",
            id="write-secret-with-username-only",
        ),
        pytest.param(
            HTTPS + "\nwrite:\n  secretRef: {name: regcred}",
            "sources.yaml:8: GitSource/deploy: spec.write.secretRef.name: Secret 'regcred' is of "
            "type kubernetes.io/dockerconfigjson, which is read only for registry credentials "
            "(an ImageRepository's spec.secretRef), not here (name a Secret of type Opaque or "
            "kubernetes.io/basic-auth here)",
            id="write-secret-of-registry-type",
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


@pytest.mark.parametrize(
    ("url", "refused"),
    [
        ("http://127.0.0.1:8080/r.git", "credentials are never sent over plain http"),
        ("file:///srv/git/r.git", "a local repository takes no credentials"),
    ],
)
def test_read_and_write_credentials_are_refused_by_one_transport_rule(
    url: str, refused: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = source(f"url: {url}\nsecretRef: {{name: deploy-write}}", "reads") + "---\n"
    text += source(f"url: {url}\nwrite:\n  secretRef: {{name: deploy-write}}", "writes")
    found = issues(load(tmp_path, monkeypatch, text))
    assert len(found) == 2, found
    reads, writes = found
    assert f"GitSource/reads: spec: {refused}" in reads
    assert f"GitSource/writes: spec.write: {refused}" in writes


def test_an_ssh_source_needs_credentials_to_read_and_to_write(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = "url: ssh://git@git.example.test/o/r.git"
    text = source(url, "reads") + "---\n"
    text += source(f"{url}\nsecretRef: {{name: ssh-write}}\nwrite: {{}}", "writes")
    found = issues(load(tmp_path, monkeypatch, text))
    assert len(found) == 2, found
    assert "an ssh URL needs a private key and the server's known hosts" in found[0]
    assert "keys identity and known_hosts in spec.secretRef," in found[0]
    assert "pushing needs write credentials of their own" in found[1]
    assert "keys identity and known_hosts in spec.write.secretRef;" in found[1]

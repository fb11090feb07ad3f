"""The source package's public names are pinned, and secrets stay out of reprs."""

from __future__ import annotations

from pathlib import Path

import pytest

import trueup.source
from trueup.errors import SourceError
from trueup.source import (
    Artifact,
    GitAuth,
    GitRef,
    SignatureMode,
    SignaturePolicy,
)
from trueup.source.model import revision_of


def test_the_public_names_are_pinned() -> None:
    assert sorted(trueup.source.__all__) == [
        "Artifact",
        "AuthMode",
        "GitAuth",
        "GitFetcher",
        "GitRef",
        "GitRepository",
        "MemorySource",
        "RefKind",
        "SignatureMode",
        "SignaturePolicy",
        "Source",
    ]


def test_revisions_are_written_like_flux() -> None:
    sha = "a" * 40
    assert revision_of(GitRef(branch="main"), "main", sha) == f"main@sha1:{sha}"
    assert revision_of(GitRef(semver="^1"), "v1.2.3", sha) == f"v1.2.3@sha1:{sha}"
    assert revision_of(GitRef(commit=sha), sha, sha) == f"sha1:{sha}"
    assert Artifact("u", f"sha1:{sha}", sha, Path("/x")).revision.endswith(sha)


def test_secrets_never_appear_in_a_repr() -> None:
    text = repr(GitAuth(token="tok-secret-1")) + repr(GitAuth(username="u", password="pw-secret-2"))
    text += repr(GitAuth(ssh_private_key="KEY-secret-3", ssh_known_hosts="h ssh-ed25519 AAAA"))
    for secret in ("tok-secret-1", "pw-secret-2", "KEY-secret-3"):
        assert secret not in text


def test_a_signature_policy_accepts_a_mode_string_and_checks_its_keys() -> None:
    policy = SignaturePolicy("ssh", ("dev@example.com ssh-ed25519 AAAA",))  # type: ignore[arg-type]
    assert policy.mode is SignatureMode.SSH
    with pytest.raises(SourceError, match="unknown signature mode"):
        SignaturePolicy("x509", ("k",))  # type: ignore[arg-type]
    with pytest.raises(SourceError, match="at least one key"):
        SignaturePolicy(SignatureMode.SSH, ())
    with pytest.raises(SourceError, match="ASCII-armored"):
        SignaturePolicy(SignatureMode.GPG, ("not a key",))

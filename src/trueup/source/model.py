"""The values a Git source is described by, and the value a fetch returns.

Plain frozen dataclasses, and the one :class:`~trueup.gitspec.GitRef` the configuration
uses too. Constructors validate the shape (exactly one ref kind, exactly one auth mode);
the URL, the ref and their fit with the credentials are validated again by
:mod:`trueup.source.validate` when a fetch starts, so that every refusal happens before git
runs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from trueup.errors import SourceError
from trueup.gitspec import Commit, GitRef, RefKind


class AuthMode(StrEnum):
    """How trueup authenticates to a Git server."""

    TOKEN = "token"  # noqa: S105 - the name of a mode, not a secret
    BASIC = "basic"
    SSH = "ssh"


@dataclass(frozen=True)
class GitAuth:
    """Credentials for one repository: a bearer token, a username and password, or an SSH key.

    A token is sent as ``Authorization: Bearer``; servers that expect a token as a basic
    password (GitHub's ``x-access-token``) are configured as basic credentials instead.
    SSH needs the private key (OpenSSH format, no passphrase) and the server's known_hosts
    lines; the username comes from the URL. Secrets never appear in ``repr``.
    """

    token: str | None = field(default=None, repr=False)
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    ssh_private_key: str | None = field(default=None, repr=False)
    ssh_known_hosts: str | None = None

    def __post_init__(self) -> None:
        modes = []
        if self.token is not None:
            modes.append(AuthMode.TOKEN)
        if self.username is not None or self.password is not None:
            if not self.username or not self.password:
                raise SourceError("basic Git credentials need both a username and a password")
            modes.append(AuthMode.BASIC)
        if self.ssh_private_key is not None or self.ssh_known_hosts is not None:
            if not self.ssh_private_key or not self.ssh_known_hosts:
                raise SourceError(
                    "SSH Git credentials need both a private key and known_hosts lines "
                    "for the server (trueup never trusts an unknown host key)"
                )
            modes.append(AuthMode.SSH)
        if len(modes) != 1:
            raise SourceError(
                "Git credentials need exactly one of: a token, a username and password, "
                "or an SSH private key with known_hosts"
            )
        if self.token is not None and not self.token.strip():
            raise SourceError("the Git token is empty")

    @property
    def mode(self) -> AuthMode:
        """Which of the three modes these credentials use."""
        if self.token is not None:
            return AuthMode.TOKEN
        if self.username is not None:
            return AuthMode.BASIC
        return AuthMode.SSH

    def secrets(self) -> tuple[str, ...]:
        """Every secret value, so that messages can be scrubbed of them."""
        return tuple(s for s in (self.token, self.password, self.ssh_private_key) if s)


class SignatureMode(StrEnum):
    """Which kind of commit signature a :class:`SignaturePolicy` accepts."""

    GPG = "gpg"
    SSH = "ssh"


@dataclass(frozen=True)
class SignaturePolicy:
    """Commits must carry a good signature by one of ``keys``.

    In ``gpg`` mode each key is an ASCII-armored OpenPGP public key. In ``ssh`` mode each
    entry holds allowed-signers lines (``principal key-type base64-key``), the format of
    ``ssh-keygen -Y verify``.
    """

    mode: SignatureMode
    keys: tuple[str, ...]

    def __post_init__(self) -> None:
        mode: object = self.mode  # the config layer may hand over a plain string
        if not isinstance(mode, SignatureMode):
            try:
                object.__setattr__(self, "mode", SignatureMode(str(mode)))
            except ValueError:
                raise SourceError(f"unknown signature mode {mode!r}; use 'gpg' or 'ssh'") from None
        if not self.keys or not any(key.strip() for key in self.keys):
            raise SourceError(f"signature verification ({self.mode}) needs at least one key")
        if self.mode is SignatureMode.GPG:
            for key in self.keys:
                if "BEGIN PGP PUBLIC KEY BLOCK" not in key:
                    raise SourceError(
                        "gpg signature verification needs ASCII-armored public keys "
                        "(gpg --armor --export KEYID)"
                    )


@dataclass(frozen=True)
class GitRepository:
    """One Git source: where it lives, which ref to follow, how to log in, what to verify.

    ``ca_cert`` is an optional PEM bundle trusted for this repository's HTTPS server, for
    servers with a private certificate authority. ``timeout`` bounds a whole fetch of it, in
    seconds (a GitSource's ``spec.timeout``); None leaves it to the fetcher's default.
    """

    url: str
    ref: GitRef
    auth: GitAuth | None = None
    verify: SignaturePolicy | None = None
    ca_cert: str | None = None
    timeout: float | None = None


@dataclass(frozen=True)
class Artifact:
    """A fetched revision: its checked-out tree under ``root`` (shared, treat as read-only).

    ``revision`` is written like ``main@sha1:<40 hex>`` for a branch, ``v1.2.3@sha1:<40 hex>``
    for a tag (also when chosen by a semver range) and ``sha1:<40 hex>`` for a pinned commit.
    ``details`` is what the commit says of itself (author, subject, time); None when git
    could not tell.
    """

    url: str
    revision: str
    commit: str
    root: Path
    details: Commit | None = None


def revision_of(ref: GitRef, name: str, commit: str) -> str:
    """The revision string for ``commit`` reached through ``ref`` (``name``: branch or tag)."""
    if ref.kind is RefKind.COMMIT:
        return f"sha1:{commit}"
    return f"{name}@sha1:{commit}"

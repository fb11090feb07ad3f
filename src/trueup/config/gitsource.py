"""``GitSource``: a Git repository, the ref to follow in it, credentials and verification.

Checks here are the ones that need no other object: URL scheme, no credentials inside the
URL, ref shape. The source layer checks refs again with ``git check-ref-format`` before
git runs; the loader checks that referenced Secrets exist and hold the right keys.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Annotated, Literal, Self
from urllib.parse import urlsplit

from pydantic import AfterValidator, Field, model_validator
from pydantic_core import PydanticCustomError

from trueup.config.duration import PositiveDuration
from trueup.config.meta import API_VERSION, ConfigModel, ConfigObject, SecretRef

_SCP_LIKE = re.compile(r"[A-Za-z0-9._-]+@[A-Za-z0-9.-]+:(?!//)\S+")
_SCHEMES = ("https", "http", "ssh", "file")
_BAD_REF_CHARS = re.compile(r"[\x00-\x20\x7f~^:?*\[\\]")
_COMMIT = re.compile(r"[0-9a-f]{40}|[0-9a-f]{64}")


def url_scheme(url: str) -> str:
    """The scheme of a Git URL: ``ssh`` for the ``git@host:path`` form too, and ``file`` for
    an absolute local path."""
    if _SCP_LIKE.fullmatch(url):
        return "ssh"
    if url.startswith("/"):
        return "file"
    return urlsplit(url).scheme.lower()


def _check_url(url: str) -> str:
    # Messages never repeat the URL: it may carry a token.
    if url.startswith("-") or any(ch.isspace() or ord(ch) < 32 for ch in url):
        raise PydanticCustomError(
            "git_url",
            "the URL starts with '-' or contains spaces or control characters",
            {"hint": "write a plain https://, ssh:// or git@host:path URL"},
        )
    scheme = url_scheme(url)
    if scheme not in _SCHEMES:
        raise PydanticCustomError(
            "git_url_scheme",
            "URL scheme '{scheme}' is not supported",
            {
                "scheme": scheme[:20] or "(none)",
                "hint": "use https://, ssh://, git@host:path, file:// or an absolute path",
            },
        )
    parts = urlsplit(url)
    if scheme in ("https", "http") and (parts.username or parts.password):
        raise PydanticCustomError(
            "git_url_credentials",
            "the URL carries credentials",
            {
                "hint": "remove them from the URL, put them in a Secret with keys username and "
                "password, or bearerToken, and name it in spec.secretRef",
            },
        )
    if parts.query or parts.fragment:
        raise PydanticCustomError(
            "git_url_query",
            "the URL has a query or fragment",
            {"hint": "remove it; credentials belong in a Secret named in spec.secretRef"},
        )
    if scheme != "file" and not parts.hostname and not _SCP_LIKE.fullmatch(url):
        raise PydanticCustomError(
            "git_url_host",
            "the URL names no host",
            {"hint": "write the full URL of the repository"},
        )
    return url


def _check_ref_name(value: str) -> str:
    if (
        not value
        or value.startswith(("-", "/"))
        or value.endswith(("/", ".", ".lock"))
        or ".." in value
        or "@{" in value
        or "//" in value
        or _BAD_REF_CHARS.search(value)
    ):
        raise PydanticCustomError(
            "git_ref",
            "'{value}' is not a valid Git ref name",
            {
                "value": value[:80],
                "hint": "use a branch or tag name that git check-ref-format accepts: "
                "no spaces, '..', '~^:?*[' or leading '-'",
            },
        )
    return value


def _check_commit(value: str) -> str:
    if not _COMMIT.fullmatch(value):
        raise PydanticCustomError(
            "git_commit",
            "'{value}' is not a full commit id",
            {
                "value": value[:80],
                "hint": "write all 40 lower-case hex digits, or 64 for SHA-256 repositories",
            },
        )
    return value


def _check_semver(value: str) -> str:
    if not value.strip() or value.lstrip().startswith("-"):
        raise PydanticCustomError(
            "git_semver",
            "'{value}' is not a semver range",
            {"value": value[:80], "hint": "write a range such as '>=1.2.0 <2.0.0' or '1.x'"},
        )
    return value


RefName = Annotated[str, AfterValidator(_check_ref_name)]
"""A branch or tag name, checked as ``git check-ref-format`` would (loosely)."""


class GitRef(ConfigModel):
    """Which revision to follow: exactly one of branch, tag, semver range, or commit."""

    branch: RefName | None = None
    tag: RefName | None = None
    semver: Annotated[str, AfterValidator(_check_semver)] | None = None
    commit: Annotated[str, AfterValidator(_check_commit)] | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> Self:
        chosen = [k for k in ("branch", "tag", "semver", "commit") if getattr(self, k) is not None]
        if len(chosen) != 1:
            found = ", ".join(chosen) if chosen else "none"
            raise PydanticCustomError(
                "git_ref_choice",
                "exactly one of branch, tag, semver or commit must be set, found {found}",
                {
                    "found": found,
                    "hint": "keep one of them; leave out ref entirely to follow branch main",
                },
            )
        return self


class Verification(ConfigModel):
    """Require the revision's commit (or tag) to be signed by a key from a Secret."""

    mode: Literal["gpg", "ssh"]
    secret_ref: SecretRef


class GitSourceSpec(ConfigModel):
    """``spec`` of a ``GitSource``; the ref defaults to branch ``main``."""

    url: Annotated[str, AfterValidator(_check_url)]
    ref: GitRef = Field(default_factory=lambda: GitRef(branch="main"))
    secret_ref: SecretRef | None = None
    interval: PositiveDuration = timedelta(minutes=1)
    timeout: PositiveDuration = timedelta(seconds=60)
    verify: Verification | None = None
    ignore: str | None = None
    """Extra ignore patterns in ``.gitignore`` form, one per line."""

    @model_validator(mode="after")
    def _no_credentials_over_plain_http(self) -> Self:
        if self.secret_ref is not None and url_scheme(self.url) == "http":
            raise PydanticCustomError(
                "git_plain_http",
                "credentials are never sent over plain http",
                {"hint": "use the https:// URL of the repository"},
            )
        return self


class GitSource(ConfigObject):
    """A Git repository that apps render from."""

    api_version: Literal["trueup.dev/v1alpha1"] = API_VERSION
    kind: Literal["GitSource"] = "GitSource"
    spec: GitSourceSpec

"""``GitSource``: a Git repository, the ref to follow in it, credentials and verification.

URL and ref follow :mod:`trueup.gitspec`, the same rules a fetch applies, so whatever
loads here is fetchable and the other way round. Checked here too: credentials are named
for https and ssh URLs only, and an ssh URL needs them (a key and known hosts). The loader
checks that referenced Secrets exist and hold the right keys.

``spec.write`` lets trueup push commits (rollback by revert, image updates) through
:mod:`trueup.gitwrite`. A write uses only ``write.secretRef``, never the read
``spec.secretRef``: read credentials are often shared widely and should not be able to
write; to push with the same credentials, name the same Secret in both places. An https
or ssh source needs ``write.secretRef`` (a push needs credentials); a plain-http
(loopback) or local source takes none.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Final, Literal, Self

from pydantic import AfterValidator, Field, ValidationInfo, field_validator, model_validator
from pydantic_core import PydanticCustomError

from trueup.config.duration import PositiveDuration
from trueup.config.meta import API_VERSION, ConfigModel, ConfigObject, SecretRef
from trueup.errors import SourceError
from trueup.gitspec import GitRef, Transport, parse_url

__all__ = [
    "DEFAULT_AUTHOR_EMAIL",
    "DEFAULT_AUTHOR_NAME",
    "DEFAULT_RETRIES",
    "MAX_IDENTITY_LENGTH",
    "MAX_RETRIES",
    "CommitAuthor",
    "GitRef",
    "GitSource",
    "GitSourceSpec",
    "GitWrite",
    "SigningKeyRef",
    "Verification",
    "identity_problem",
    "url_scheme",
]


def url_scheme(url: str) -> str:
    """The transport of a valid Git URL: ``https``, ``http``, ``ssh`` (also for the
    ``git@host:path`` form) or ``file`` (also for an absolute local path).

    Raises :class:`~trueup.errors.SourceError` for a URL the rules refuse.
    """
    return parse_url(url).transport.value


def _check_url(url: str) -> str:
    # The rule's messages never repeat the URL: it may carry a token.
    try:
        parse_url(url)
    except SourceError as e:
        raise PydanticCustomError(
            "git_url",
            "the URL {problem}",
            {"problem": str(e), "hint": ""},  # the rule's message says what to write
        ) from None
    return url


class Verification(ConfigModel):
    """Require the revision's commit (or tag) to be signed by a key from a Secret."""

    mode: Literal["gpg", "ssh"]
    secret_ref: SecretRef


DEFAULT_AUTHOR_NAME: Final = "trueup"
"""Name of the author and committer of the commits trueup writes, unless configured."""
DEFAULT_AUTHOR_EMAIL: Final = "trueup@localhost"
"""Email of the author and committer of the commits trueup writes, unless configured."""
MAX_IDENTITY_LENGTH: Final = 200
"""Longest commit author name or email accepted: longer ones are a mistake, not a name."""
DEFAULT_RETRIES: Final = 3
"""How often a push rejected because the branch moved is re-applied, unless configured."""
MAX_RETRIES: Final = 10
"""The most re-applications of one write a configuration may ask for."""


def identity_problem(value: str) -> str | None:
    """Why ``value`` cannot be a commit author's name or email, or ``None`` if it can.

    The one rule for a commit identity, for the configuration and :mod:`trueup.gitwrite`
    alike: git would write '<', '>' or a line break into the commit header as they are.
    """
    if not value.strip():
        return "it is empty"
    if len(value) > MAX_IDENTITY_LENGTH:
        return f"it is longer than {MAX_IDENTITY_LENGTH} characters"
    if any(c in value for c in "<>\n\r\0"):
        return "it holds '<', '>' or a line break"
    return None


def _check_identity(value: str) -> str:
    problem = identity_problem(value)
    if problem is not None:
        raise PydanticCustomError(
            "git_identity",
            "'{value}' cannot be a commit author's name or email: {problem}",
            {
                "value": value[:80],
                "problem": problem,
                "hint": f"give a plain name and email of at most {MAX_IDENTITY_LENGTH} "
                "characters, without '<', '>' or line breaks",
            },
        )
    return value


class CommitAuthor(ConfigModel):
    """Author and committer of every commit trueup writes; ``trueup <trueup@localhost>``."""

    name: Annotated[str, AfterValidator(_check_identity)] = DEFAULT_AUTHOR_NAME
    email: Annotated[str, AfterValidator(_check_identity)] = DEFAULT_AUTHOR_EMAIL


class SigningKeyRef(ConfigModel):
    """Sign commits: ``gpg`` with the armored secret key in key ``git.asc`` of the Secret,
    ``ssh`` with the OpenSSH private key in key ``identity``; both without passphrase."""

    mode: Literal["gpg", "ssh"]
    secret_ref: SecretRef


class GitWrite(ConfigModel):
    """``spec.write``: how trueup pushes to this source (see the module docstring)."""

    secret_ref: SecretRef | None = None
    author: CommitAuthor = Field(default_factory=CommitAuthor)
    signing_key: SigningKeyRef | None = None
    retries: Annotated[int, Field(ge=0, le=MAX_RETRIES)] = DEFAULT_RETRIES
    """How often a push rejected because the branch moved is re-applied on the new head."""


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
    write: GitWrite | None = None
    """Lets trueup push commits to this source; absent, trueup never writes to it."""

    @model_validator(mode="after")
    def _read_credentials_fit_the_transport(self) -> Self:
        _check_credentials(self.url, self.secret_ref, push=False)
        return self

    @field_validator("write")
    @classmethod
    def _write_credentials_fit_the_transport(
        cls, write: GitWrite | None, info: ValidationInfo
    ) -> GitWrite | None:
        # A field validator, so that a problem is reported at spec.write; runs after url.
        url = info.data.get("url")
        if write is not None and url is not None:  # an invalid URL is reported on its own
            _check_credentials(url, write.secret_ref, push=True)
        return write


def _check_credentials(url: str, secret_ref: SecretRef | None, *, push: bool) -> None:
    """The one transport rule for read (``spec.secretRef``) and write
    (``spec.write.secretRef``) credentials: never over plain http, none for a local
    repository; ssh always needs them, and so does a push over https."""
    transport = parse_url(url).transport
    field = "spec.write.secretRef" if push else "spec.secretRef"
    if secret_ref is not None and transport is Transport.HTTP:
        raise PydanticCustomError(
            "git_plain_http",
            "credentials are never sent over plain http",
            {"hint": "use the https:// URL of the repository"},
        )
    if secret_ref is not None and transport is Transport.FILE:
        raise PydanticCustomError(
            "git_local_credentials",
            "a local repository takes no credentials",
            {"hint": f"remove {field}"},
        )
    if secret_ref is not None or transport not in (Transport.SSH, Transport.HTTPS):
        return
    if push:
        keys = (
            "identity and known_hosts"
            if transport is Transport.SSH
            else "username and password, or bearerToken"
        )
        raise PydanticCustomError(
            "git_write_credentials",
            "pushing needs write credentials of their own (the read spec.secretRef is "
            "never used to write)",
            {
                "hint": f"name a Secret with keys {keys} in {field}; it may be the same "
                "Secret as spec.secretRef"
            },
        )
    if transport is Transport.SSH:
        raise PydanticCustomError(
            "git_ssh_credentials",
            "an ssh URL needs a private key and the server's known hosts",
            {
                "hint": f"name a Secret with keys identity and known_hosts in {field}, "
                "or use the https:// URL of the repository"
            },
        )


class GitSource(ConfigObject):
    """A Git repository that apps render from."""

    api_version: Literal["trueup.dev/v1alpha1"] = API_VERSION
    kind: Literal["GitSource"] = "GitSource"
    spec: GitSourceSpec

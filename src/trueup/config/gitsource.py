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
from typing import Annotated, Literal, Self

from pydantic import AfterValidator, Field, ValidationInfo, field_validator, model_validator
from pydantic_core import PydanticCustomError

from trueup.config.duration import PositiveDuration
from trueup.config.meta import API_VERSION, ConfigModel, ConfigObject, SecretRef
from trueup.errors import SourceError
from trueup.gitspec import GitRef, Transport, parse_url

__all__ = [
    "CommitAuthor",
    "GitRef",
    "GitSource",
    "GitSourceSpec",
    "GitWrite",
    "SigningKeyRef",
    "Verification",
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


def _check_identity(value: str) -> str:
    if not value.strip() or len(value) > 200 or any(c in value for c in "<>\n\r\0"):
        raise PydanticCustomError(
            "git_identity",
            "'{value}' cannot be a commit author's name or email",
            {
                "value": value[:80],
                "hint": "give a plain name and email, without '<', '>' or line breaks",
            },
        )
    return value


class CommitAuthor(ConfigModel):
    """Author and committer of every commit trueup writes; ``trueup <trueup@localhost>``."""

    name: Annotated[str, AfterValidator(_check_identity)] = "trueup"
    email: Annotated[str, AfterValidator(_check_identity)] = "trueup@localhost"


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
    retries: Annotated[int, Field(ge=0, le=10)] = 3
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
    def _credentials_fit_the_transport(self) -> Self:
        transport = parse_url(self.url).transport
        if self.secret_ref is not None and transport is Transport.HTTP:
            raise PydanticCustomError(
                "git_plain_http",
                "credentials are never sent over plain http",
                {"hint": "use the https:// URL of the repository"},
            )
        if self.secret_ref is not None and transport is Transport.FILE:
            raise PydanticCustomError(
                "git_local_credentials",
                "a local repository takes no credentials",
                {"hint": "remove spec.secretRef"},
            )
        if self.secret_ref is None and transport is Transport.SSH:
            raise PydanticCustomError(
                "git_ssh_credentials",
                "an ssh URL needs a private key and the server's known hosts",
                {
                    "hint": "name a Secret with keys identity and known_hosts in spec.secretRef, "
                    "or use the https:// URL of the repository"
                },
            )
        return self

    @field_validator("write")
    @classmethod
    def _write_credentials_fit_the_transport(
        cls, write: GitWrite | None, info: ValidationInfo
    ) -> GitWrite | None:
        url = info.data.get("url")
        if write is None or url is None:
            return write  # an invalid URL is reported on its own
        transport = parse_url(url).transport
        if write.secret_ref is not None and transport is Transport.HTTP:
            raise PydanticCustomError(
                "git_plain_http",
                "credentials are never sent over plain http",
                {"hint": "use the https:// URL of the repository"},
            )
        if write.secret_ref is not None and transport is Transport.FILE:
            raise PydanticCustomError(
                "git_local_credentials",
                "a local repository takes no credentials",
                {"hint": "remove spec.write.secretRef"},
            )
        if write.secret_ref is None and transport in (Transport.HTTPS, Transport.SSH):
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
                    "hint": f"name a Secret with keys {keys} in spec.write.secretRef; it may "
                    "be the same Secret as spec.secretRef"
                },
            )
        return write


class GitSource(ConfigObject):
    """A Git repository that apps render from."""

    api_version: Literal["trueup.dev/v1alpha1"] = API_VERSION
    kind: Literal["GitSource"] = "GitSource"
    spec: GitSourceSpec

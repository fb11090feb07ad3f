"""Refuse unsafe repository URLs, refs and credentials before git ever runs.

Pure. The URL and ref rules are :mod:`trueup.gitspec`'s, the same ones the configuration
applies; this module adds what only the fetching side knows: whether local repositories
are allowed here, and whether the credentials fit the transport (tokens and passwords
only over https, SSH keys only over ssh, and ssh never without a key and known hosts).
"""

from __future__ import annotations

from trueup.errors import SourceError
from trueup.gitspec import Remote, Transport, validate_ref
from trueup.gitspec import parse_url as _parse_url
from trueup.source.model import AuthMode, GitAuth, GitRepository
from trueup.source.redact import redact_url

__all__ = ["Remote", "Transport", "parse_url", "validate_repository"]


def validate_repository(repo: GitRepository, *, allow_file: bool) -> Remote:
    """Check URL, ref, credentials and their combination; return the remote to use."""
    remote = parse_url(repo.url, allow_file=allow_file)
    validate_ref(repo.ref)
    _check_auth(remote, repo.auth)
    return remote


def parse_url(url: str, *, allow_file: bool) -> Remote:
    """Parse and check a repository URL; :class:`SourceError` names it (redacted) and why."""
    shown = redact_url(url)
    try:
        remote = _parse_url(url)
    except SourceError as e:
        raise SourceError(f"repository URL {shown!r} {e}") from None
    if remote.transport is Transport.FILE and not allow_file:
        raise SourceError(
            f"repository URL {shown!r} is a local repository, which this trueup does not allow"
        )
    return remote


def _check_auth(remote: Remote, auth: GitAuth | None) -> None:
    if auth is None:
        if remote.transport is Transport.SSH:
            raise SourceError(
                f"repository {redact_url(remote.git_url)!r} uses ssh but has no SSH key and "
                "known_hosts configured"
            )
        return
    if auth.mode is AuthMode.SSH:
        if remote.transport is not Transport.SSH:
            raise SourceError(
                f"SSH credentials need an ssh:// or user@host:path URL, not "
                f"{redact_url(remote.git_url)!r}"
            )
        return
    if remote.transport is not Transport.HTTPS:
        raise SourceError(
            f"{auth.mode} credentials are only sent over https, never to "
            f"{redact_url(remote.git_url)!r}"
        )

"""Refuse unsafe repository URLs and ref names before git ever runs.

Pure. The rules come from SECURITY.md: only https, ssh (``ssh://`` or scp-like
``user@host:path``) and, when the operator allows it, local repositories; never a remote
helper (``ext::``); no credentials inside a URL; no value git could read as an option; ref
names as ``git check-ref-format`` accepts them. Plain ``http://`` is accepted only for a
loopback host and only without credentials, which is what local test servers and mirrors
need and which sends nothing secret over the wire.
"""

from __future__ import annotations

import hashlib
import ipaddress
import re
from dataclasses import dataclass
from enum import StrEnum
from pathlib import PurePosixPath
from urllib.parse import urlsplit

from trueup.errors import SourceError
from trueup.source.model import AuthMode, GitAuth, GitRef, GitRepository, RefKind
from trueup.source.redact import redact_url
from trueup.source.semver import parse_range

MAX_URL_LENGTH = 2048
MAX_REF_LENGTH = 255

_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*)://")
_REMOTE_HELPER = re.compile(r"[A-Za-z0-9][A-Za-z0-9+.-]*::")
_HOST = re.compile(r"(?:[A-Za-z0-9_](?:[A-Za-z0-9_.-]{0,252})|\[[0-9A-Fa-f:.]+\])")
_USER = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.+-]{0,63}")
_SCP = re.compile(rf"(?:({_USER.pattern})@)?({_HOST.pattern}):(?!//)(.+)")
_COMMIT = re.compile(r"[0-9a-fA-F]{40}")
_REF_FORBIDDEN = re.compile(r"[\x00-\x20\x7f~^:?*\[\\]")
_LOOPBACK_NAMES = {"localhost"}


class Transport(StrEnum):
    """How git reaches a repository."""

    HTTPS = "https"
    HTTP = "http"
    SSH = "ssh"
    FILE = "file"


@dataclass(frozen=True)
class Remote:
    """A validated repository location.

    ``git_url`` is what git is given; ``normalised`` identifies the repository for the
    cache (case-folded host, no default port, no trailing ``/`` or ``.git``); ``display``
    is safe to print.
    """

    transport: Transport
    git_url: str
    normalised: str
    host: str

    @property
    def cache_key(self) -> str:
        """A directory name for this repository's cache."""
        return hashlib.sha256(self.normalised.encode()).hexdigest()[:32]


def validate_repository(repo: GitRepository, *, allow_file: bool) -> Remote:
    """Check URL, ref, credentials and their combination; return the remote to use."""
    remote = parse_url(repo.url, allow_file=allow_file)
    validate_ref(repo.ref)
    _check_auth(remote, repo.auth)
    return remote


def parse_url(url: str, *, allow_file: bool) -> Remote:
    """Parse and check a repository URL; :class:`SourceError` names what is wrong."""
    shown = redact_url(url)
    if len(url) > MAX_URL_LENGTH:
        raise SourceError(f"repository URL is longer than {MAX_URL_LENGTH} characters")
    if not url or url != url.strip() or re.search(r"[\x00-\x20\x7f]", url):
        raise SourceError(
            f"repository URL {shown!r} is empty or contains spaces or control characters"
        )
    if url.startswith("-"):
        raise SourceError(
            f"repository URL {shown!r} begins with '-'; git would read it as an option"
        )
    scheme = _SCHEME.match(url)
    if scheme is None and _REMOTE_HELPER.match(url):
        raise SourceError(
            f"repository URL {shown!r} uses a git remote helper ('transport::'); "
            "only https, ssh and (where allowed) local repositories are accepted"
        )
    if scheme is None:
        return _scp_or_path(url, shown, allow_file=allow_file)
    name = scheme.group(1).lower()
    if name in ("https", "http", "ssh"):
        return _network(url, shown, name)
    if name == "file":
        return _local(url[len("file://") :], shown, allow_file=allow_file)
    raise SourceError(
        f"repository URL {shown!r} uses the scheme {name!r}; use https://, ssh:// or user@host:path"
    )


def validate_ref(ref: GitRef) -> None:
    """Check the ref's value: a safe branch or tag name, a semver range, or a 40-hex commit."""
    if ref.kind is RefKind.COMMIT:
        if not _COMMIT.fullmatch(ref.value):
            raise SourceError(
                f"commit {ref.value!r} is not a full 40-character hexadecimal SHA-1; "
                "write the whole commit id"
            )
    elif ref.kind is RefKind.SEMVER:
        parse_range(ref.value)
    else:
        check_ref_name(ref.value, what=ref.kind.value)


def check_ref_name(name: str, *, what: str = "ref") -> None:
    """Refuse a branch or tag name git would refuse, or read as an option."""
    problem = _ref_name_problem(name)
    if problem:
        raise SourceError(f"{what} name {name!r} is not valid: {problem}")


def _ref_name_problem(name: str) -> str | None:
    if not name:
        return "it is empty"
    if len(name) > MAX_REF_LENGTH:
        return f"it is longer than {MAX_REF_LENGTH} characters"
    if name.startswith("-"):
        return "it begins with '-', which git would read as an option"
    if _REF_FORBIDDEN.search(name):
        return "it contains a space, a control character or one of ~ ^ : ? * [ \\"
    if ".." in name or "@{" in name or name == "@":
        return "it contains '..' or '@{', or is '@'"
    if name.startswith("/") or name.endswith("/") or "//" in name:
        return "it begins or ends with '/' or contains '//'"
    if name.endswith("."):
        return "it ends with '.'"
    for component in name.split("/"):
        if component.startswith(".") or component.endswith(".lock"):
            return "a path component begins with '.' or ends with '.lock'"
    return None


def _network(url: str, shown: str, scheme: str) -> Remote:
    parts = urlsplit(url)
    if parts.password is not None or (scheme != "ssh" and parts.username is not None):
        raise SourceError(
            f"repository URL {shown!r} carries credentials; remove them from the URL "
            "and configure them as the source's credentials instead"
        )
    host = parts.hostname or ""
    if not _HOST.fullmatch(host if ":" not in host else f"[{host}]") or host.startswith("-"):
        raise SourceError(f"repository URL {shown!r} has no valid host name")
    if parts.username is not None and not _USER.fullmatch(parts.username):
        raise SourceError(f"repository URL {shown!r} has an invalid user name")
    try:
        port = parts.port
    except ValueError:
        raise SourceError(f"repository URL {shown!r} has an invalid port") from None
    if parts.query or parts.fragment:
        raise SourceError(f"repository URL {shown!r} must not have a query or fragment")
    if not parts.path.strip("/"):
        raise SourceError(f"repository URL {shown!r} names no repository path")
    if scheme == "http" and not _is_loopback(host):
        raise SourceError(
            f"repository URL {shown!r} uses plain http; use https (plain http is only "
            "accepted for a loopback host, and never with credentials)"
        )
    default_port = {"https": 443, "http": 80, "ssh": 22}[scheme]
    netloc = host.lower() if ":" not in host else f"[{host.lower()}]"
    if port is not None and port != default_port:
        netloc = f"{netloc}:{port}"
    if parts.username:
        netloc = f"{parts.username}@{netloc}"
    normalised = f"{scheme}://{netloc}{_trim_path(parts.path)}"
    return Remote(Transport(scheme), url, normalised, host.lower())


def _scp_or_path(url: str, shown: str, *, allow_file: bool) -> Remote:
    if url.startswith("/"):
        return _local(url, shown, allow_file=allow_file)
    scp = _SCP.fullmatch(url)
    if scp is None or "/" in url.split(":", 1)[0]:
        raise SourceError(
            f"repository URL {shown!r} is neither https://, ssh://, user@host:path nor an "
            "absolute local path"
        )
    user, host, path = scp.groups()
    if path.startswith("-"):
        raise SourceError(f"repository URL {shown!r} has a path beginning with '-'")
    prefix = f"{user}@" if user else ""
    normalised = f"scp://{prefix}{host.lower()}/{_trim_path(path).lstrip('/')}"
    return Remote(Transport.SSH, url, normalised, host.lower())


def _local(path: str, shown: str, *, allow_file: bool) -> Remote:
    if not allow_file:
        raise SourceError(
            f"repository URL {shown!r} is a local repository, which this trueup does not allow"
        )
    if not path.startswith("/"):
        raise SourceError(f"local repository {shown!r} must be an absolute path")
    clean = str(PurePosixPath(path))
    if any(part == ".." for part in PurePosixPath(path).parts):
        raise SourceError(f"local repository {shown!r} must not contain '..'")
    return Remote(Transport.FILE, f"file://{clean}", f"file://{_trim_path(clean)}", "")


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


def _is_loopback(host: str) -> bool:
    if host.lower() in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _trim_path(path: str) -> str:
    path = path.rstrip("/")
    return path[: -len(".git")] if path.endswith(".git") else path

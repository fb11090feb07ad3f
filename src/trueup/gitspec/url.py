"""Repository URLs trueup accepts, and the identity of the repository they name.

Pure. The rules come from SECURITY.md: only https, ssh (``ssh://`` or scp-like
``user@host:path``) and local repositories (absolute paths or ``file://``; whether they
are allowed is the operator's choice, made where fetches run); never a remote helper
(``ext::``); no credentials inside a URL; no value git could read as an option. Plain
``http://`` is accepted only for a loopback host (local test servers and mirrors), and
credentials are never sent over it.

Refusals are :class:`~trueup.errors.SourceError` whose message never repeats the URL (it
may carry a token): it reads after "the URL" or "repository URL 'https://…'".
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

MAX_URL_LENGTH = 2048

_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*)://")
_REMOTE_HELPER = re.compile(r"[A-Za-z0-9][A-Za-z0-9+.-]*::")
_HOST = re.compile(r"(?:[A-Za-z0-9_](?:[A-Za-z0-9_.-]{0,252})|\[[0-9A-Fa-f:.]+\])")
_USER = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.+-]{0,63}")
_SCP = re.compile(rf"(?:({_USER.pattern})@)?({_HOST.pattern}):(?!//)(.+)")
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
    cache (case-folded host, no default port, no trailing ``/`` or ``.git``).
    """

    transport: Transport
    git_url: str
    normalised: str
    host: str

    @property
    def cache_key(self) -> str:
        """A directory name for this repository's cache."""
        return hashlib.sha256(self.normalised.encode()).hexdigest()[:32]


def parse_url(url: str) -> Remote:
    """Parse and check a repository URL; :class:`SourceError` says what is wrong."""
    if len(url) > MAX_URL_LENGTH:
        raise SourceError(f"is longer than {MAX_URL_LENGTH} characters")
    if not url or url != url.strip() or re.search(r"[\x00-\x20\x7f]", url):
        raise SourceError("is empty or contains spaces or control characters")
    if url.startswith("-"):
        raise SourceError("begins with '-'; git would read it as an option")
    scheme = _SCHEME.match(url)
    if scheme is None and _REMOTE_HELPER.match(url):
        raise SourceError(
            "uses a git remote helper ('transport::'); only https, ssh and local "
            "repositories are accepted"
        )
    if scheme is None:
        return _scp_or_path(url)
    name = scheme.group(1).lower()
    if name in ("https", "http", "ssh"):
        return _network(url, name)
    if name == "file":
        return _local(url[len("file://") :])
    raise SourceError(f"uses the scheme '{name[:20]}'; use https://, ssh:// or user@host:path")


def _network(url: str, scheme: str) -> Remote:
    parts = urlsplit(url)
    if parts.password is not None or (scheme != "ssh" and parts.username is not None):
        raise SourceError(
            "carries credentials; remove them from the URL and configure them as the "
            "source's credentials (a Secret named in spec.secretRef)"
        )
    host = parts.hostname or ""
    if not _HOST.fullmatch(host if ":" not in host else f"[{host}]") or host.startswith("-"):
        raise SourceError("has no valid host name")
    if parts.username is not None and not _USER.fullmatch(parts.username):
        raise SourceError("has an invalid user name")
    try:
        port = parts.port
    except ValueError:
        raise SourceError("has an invalid port") from None
    if parts.query or parts.fragment:
        raise SourceError("must not have a query or fragment")
    if not parts.path.strip("/"):
        raise SourceError("names no repository path")
    if scheme == "http" and not _is_loopback(host):
        raise SourceError(
            "uses plain http; use https (plain http is only accepted for a loopback host, "
            "and never with credentials)"
        )
    default_port = {"https": 443, "http": 80, "ssh": 22}[scheme]
    netloc = host.lower() if ":" not in host else f"[{host.lower()}]"
    if port is not None and port != default_port:
        netloc = f"{netloc}:{port}"
    if parts.username:
        netloc = f"{parts.username}@{netloc}"
    normalised = f"{scheme}://{netloc}{_trim_path(parts.path)}"
    return Remote(Transport(scheme), url, normalised, host.lower())


def _scp_or_path(url: str) -> Remote:
    if url.startswith("/"):
        return _local(url)
    scp = _SCP.fullmatch(url)
    if scp is None or "/" in url.split(":", 1)[0]:
        raise SourceError("is neither https://, ssh://, user@host:path nor an absolute local path")
    user, host, path = scp.groups()
    if path.startswith("-"):
        raise SourceError("has a path beginning with '-'")
    prefix = f"{user}@" if user else ""
    normalised = f"scp://{prefix}{host.lower()}/{_trim_path(path).lstrip('/')}"
    return Remote(Transport.SSH, url, normalised, host.lower())


def _local(path: str) -> Remote:
    if not path.startswith("/"):
        raise SourceError("names a local repository that is not an absolute path")
    clean = str(PurePosixPath(path))
    if any(part == ".." for part in PurePosixPath(path).parts):
        raise SourceError("names a local repository with '..' in its path")
    return Remote(Transport.FILE, f"file://{clean}", f"file://{_trim_path(clean)}", "")


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

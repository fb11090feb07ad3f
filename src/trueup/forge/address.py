"""A repository's web URL, and the REST API root that serves it. Pure.

Users know the page of their repository (``https://github.com/org/deploy``), so that is
what they write; the API root follows from it by each forge's convention unless it is
given: ``https://api.github.com`` for github.com and ``<host>/api/v3`` for GitHub
Enterprise, ``<host>/api/v4`` for GitLab, ``<host>/api/v1`` for Gitea. A token is never
sent over plain http except to a loopback address (a local forge stub, a test).
"""

from __future__ import annotations

import ipaddress
from typing import Final
from urllib.parse import SplitResult, urlsplit

from trueup.forge.model import ForgeKind, Repository

_API_SUFFIX: Final = {
    ForgeKind.GITHUB: "/api/v3",
    ForgeKind.GITLAB: "/api/v4",
    ForgeKind.GITEA: "/api/v1",
}


class AddressError(ValueError):
    """An address or API URL that names no repository; the message says why and never
    repeats the URL (it may carry credentials)."""


def repository_of(kind: ForgeKind, address: str, api_url: str | None = None) -> Repository:
    """The repository whose web page is ``address`` (``https://host/owner/name``, GitLab:
    ``https://host/group/subgroup/project``), served by ``api_url`` or the forge's usual
    API root on the same host."""
    parts = _url_parts(address, "the address")
    path = parts.path.strip("/").removesuffix(".git")
    segments = path.split("/") if path else []
    if any(not s or s in (".", "..") for s in segments):
        raise AddressError("the address's path has an empty, '.' or '..' segment")
    if kind is ForgeKind.GITLAB:
        if len(segments) < 2:
            raise AddressError("the address must name a project: https://host/group/project")
    elif len(segments) != 2:
        raise AddressError("the address must name a repository: https://host/owner/name")
    if api_url is not None:
        api = _url_parts(api_url, "apiURL")
        root = f"{api.scheme}://{api.netloc}{api.path.rstrip('/')}"
    elif kind is ForgeKind.GITHUB and parts.hostname == "github.com":
        root = "https://api.github.com"
    else:
        root = f"{parts.scheme}://{parts.netloc}{_API_SUFFIX[kind]}"
    return Repository(kind, root, "/".join(segments))


def is_loopback(host: str) -> bool:
    """Whether ``host`` is this machine: ``localhost`` or a loopback IP address."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _url_parts(url: str, what: str) -> SplitResult:
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a bad port
    except ValueError as e:
        raise AddressError(f"{what} is not a valid URL") from e
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise AddressError(f"{what} must be an https:// URL with a host")
    if parts.username is not None or parts.password is not None:
        raise AddressError(f"{what} must not carry user:password@ (the token goes in secretRef)")
    if parts.query or parts.fragment:
        raise AddressError(f"{what} must have no ?query or #fragment")
    if parts.scheme == "http" and not is_loopback(parts.hostname):
        raise AddressError(
            f"{what} uses plain http, which would send the token in clear: use https "
            "(plain http is allowed for loopback addresses only)"
        )
    return parts

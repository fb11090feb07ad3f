"""The digest of a tag: ``HEAD /v2/<name>/manifests/<tag>``, as a pull would resolve it.

The request accepts an OCI image index, an OCI image manifest, a Docker manifest list
and a Docker v2 manifest, so a multi-architecture image answers with its index and the
digest is the index's (what ``image@sha256:…`` must pin to run on every platform), not
one platform's manifest's. When a registry omits ``Docker-Content-Digest``, the manifest
is read (up to a limit) and hashed.
"""

from __future__ import annotations

import hashlib
import re
from typing import Final

from trueup.errors import RegistryError
from trueup.registry.session import RegistrySession

MANIFEST_TYPES: Final = (
    "application/vnd.oci.image.index.v1+json",
    "application/vnd.oci.image.manifest.v1+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
    "application/vnd.docker.distribution.manifest.v2+json",
)
"""What a manifest request accepts: an index or list first, as a pull does."""

MAX_MANIFEST_BYTES: Final = 4 * 1024 * 1024
"""Largest manifest read (the distribution registry itself refuses larger ones)."""

DIGEST: Final = re.compile(r"sha256:[a-f0-9]{64}")


async def tag_digest(session: RegistrySession, repository: str, tag: str) -> str:
    """The digest (``sha256:…``) the registry serves for ``repository:tag``."""
    scope = f"repository:{repository}:pull"
    path = f"/v2/{repository}/manifests/{tag}"
    accept = ", ".join(MANIFEST_TYPES)
    head = await session.fetch("HEAD", path, accept=accept, scope=scope, max_bytes=0)
    digest = head.headers.get("docker-content-digest", "")
    if DIGEST.fullmatch(digest):
        return digest
    body = await session.fetch(
        "GET", path, accept=accept, scope=scope, max_bytes=MAX_MANIFEST_BYTES
    )
    if not body.body:
        raise RegistryError(f"{session.image}:{tag}: the registry sent an empty manifest")
    return "sha256:" + hashlib.sha256(body.body).hexdigest()

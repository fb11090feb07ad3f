"""Image registries: reading tags and digests through the OCI distribution API.

:func:`scan_repository` lists an ImageRepository's tags (paginated, bounded, malformed
tags dropped, exclusions applied) and resolves digests; :class:`RegistrySession` holds
the HTTP rules (challenge authentication, credentials bound to their host, redirects,
limits, typed errors). Configuration lives in :mod:`trueup.config.image_repository`.
"""

from __future__ import annotations

from trueup.registry.manifests import MANIFEST_TYPES, tag_digest
from trueup.registry.scan import (
    RegistryAccess,
    TagScan,
    excluded_by,
    registry_access,
    scan_repository,
)
from trueup.registry.session import Answer, RegistrySession
from trueup.registry.tags import TAG, ListLimits, TagList, list_tags, newest_tags, next_link

__all__ = [
    "MANIFEST_TYPES",
    "TAG",
    "Answer",
    "ListLimits",
    "RegistryAccess",
    "RegistrySession",
    "TagList",
    "TagScan",
    "excluded_by",
    "list_tags",
    "newest_tags",
    "next_link",
    "registry_access",
    "scan_repository",
    "tag_digest",
]

"""What a policy selected, as markers write it: image name, tag and optional digest.

A marker names a policy ``<namespace>:<name>``; objects read from configuration files
without a namespace live in :data:`DEFAULT_NAMESPACE`, as Flux's objects do in a cluster.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

DEFAULT_NAMESPACE: Final = "default"
"""The namespace a marker names for a policy declared without ``metadata.namespace``."""

TAG: Final = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}")
"""A tag as the OCI distribution specification allows it."""

DIGEST: Final = re.compile(r"[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]{32,}")
"""A content digest (``sha256:<64 hex>``), as the OCI image specification writes one."""

_NAME: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9._/:\[\]-]{0,254}")


@dataclass(frozen=True, order=True)
class PolicyName:
    """A policy as markers name it: ``<namespace>:<name>``."""

    namespace: str
    name: str

    @classmethod
    def of(cls, namespace: str, name: str) -> PolicyName:
        """The name of a policy declared in ``namespace`` ('' for none: ``default``)."""
        return cls(namespace or DEFAULT_NAMESPACE, name)

    def __str__(self) -> str:
        return f"{self.namespace}:{self.name}"


@dataclass(frozen=True)
class LatestImage:
    """The image a policy selected: ``name:tag``, pinned as ``name:tag@digest`` with a digest.

    Every part is checked when it is made, so a marker can write it as a plain YAML scalar.
    """

    name: str
    tag: str
    digest: str | None = None

    def __post_init__(self) -> None:
        if not _NAME.fullmatch(self.name) or self.name.endswith(":"):
            raise ValueError(f"'{self.name[:80]}' is not an image name")
        if not TAG.fullmatch(self.tag):
            raise ValueError(f"'{self.tag[:80]}' is not an image tag")
        if self.digest is not None and not DIGEST.fullmatch(self.digest):
            raise ValueError(f"'{self.digest[:80]}' is not a digest")

    @property
    def reference(self) -> str:
        """What a whole-image marker writes: ``name:tag`` or ``name:tag@digest``."""
        base = f"{self.name}:{self.tag}"
        return f"{base}@{self.digest}" if self.digest else base

    def __str__(self) -> str:
        return self.reference

"""What a render may do (options and limits) and what it returns."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from trueup.objects import Object, ObjectId

MIB = 1024 * 1024


@dataclass(frozen=True, slots=True)
class RenderLimits:
    """Bounds that keep one hostile or broken repository from stalling the engine.

    Every bound is checked while reading, so a limit is reported as soon as it is
    crossed: a YAML bomb or a huge file fails in well under a second with bounded memory.
    """

    max_file_bytes: int = 8 * MIB
    """A single manifest file larger than this is refused before it is read."""

    max_total_bytes: int = 64 * MIB
    """All manifest files of one render (and kustomize's output) together."""

    max_depth: int = 100
    """Nesting of YAML collections within one document, and of directories below the path."""

    max_aliases: int = 100
    """YAML aliases (``*name``) within one document."""

    max_document_nodes: int = 1_000_000
    """YAML nodes of one document with every alias expanded: what stops a billion-laughs bomb."""

    max_objects: int = 10_000
    """Objects in one render, after ``List`` kinds are flattened."""

    max_symlink_hops: int = 20
    """Symlinks followed while resolving one path; more means a loop or an absurd chain."""

    kustomize_timeout_seconds: float = 60.0
    """Wall-clock time one ``kubectl kustomize`` run may take before it is killed."""


@dataclass(frozen=True, slots=True)
class RenderOptions:
    """How to render one path.

    ``ignore`` holds gitignore-style patterns relative to the rendered path, added to those
    of a ``.trueupignore`` file there. ``allow_remote_bases`` lets kustomize fetch remote
    bases and files (off by default: a repository should not make trueup fetch arbitrary
    URLs). ``kubectl`` is the program used for ``kubectl kustomize``.
    """

    ignore: tuple[str, ...] = ()
    allow_remote_bases: bool = False
    limits: RenderLimits = field(default_factory=RenderLimits)
    kubectl: str = "kubectl"


@dataclass(frozen=True, slots=True)
class Rendered:
    """The objects found at a path, in a stable order, and where each one came from.

    An origin is ``path/in/repo.yaml:LINE`` (the line where the object starts) for plain
    YAML, and the kustomization directory (``path/in/repo``) for kustomize output.
    """

    objects: tuple[Object, ...]
    origins: Mapping[ObjectId, str]

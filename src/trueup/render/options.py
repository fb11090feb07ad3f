"""What a render may do (options and limits) and what it returns."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING

from trueup.objects import Object, ObjectId, Origin, object_id

if TYPE_CHECKING:
    from trueup.plan.hooks import Hook
    from trueup.render.helm import HelmRender
    from trueup.render.sops_keys import SopsKeys
    from trueup.render.substitute import Substitution

MIB = 1024 * 1024


@dataclass(frozen=True, slots=True)
class RenderLimits:
    """Bounds that keep one hostile or broken repository from stalling the engine.

    The totals are checked from file sizes before anything is parsed, every other bound
    while reading, so a limit is reported as soon as it is crossed: a YAML bomb or a huge
    file fails in well under a second. The render as a whole runs in a child process held
    to ``max_memory_bytes`` and ``timeout_seconds`` (see ``render.sandbox``), which catches
    whatever slips between the other bounds.
    """

    max_file_bytes: int = 8 * MIB
    """A single manifest file larger than this is refused before it is read."""

    max_total_bytes: int = 16 * MIB
    """All manifest files of one render (and kustomize's output) together."""

    max_files: int = 5_000
    """Manifest files in one plain-YAML render."""

    max_memory_bytes: int = 1024 * MIB
    """Memory one render may allocate on top of what trueup already uses."""

    timeout_seconds: float = 30.0
    """Wall-clock time one whole render (kustomize included) may take before it is stopped."""

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

    kustomize_timeout_seconds: float = 20.0
    """Wall-clock time one ``kubectl kustomize`` run may take before it is killed."""


@dataclass(frozen=True, slots=True)
class RenderOptions:
    """How to render one path.

    ``ignore`` holds gitignore-style patterns relative to the rendered path, added to those
    of a ``.trueupignore`` file there. ``kubectl`` is the program used for
    ``kubectl kustomize``. Remote kustomize bases are refused unless
    ``allow_remote_bases`` (the App's ``spec.kustomize.allowRemoteBases``), and then
    fetched over https only (see :mod:`trueup.render.kustomize_refs`), trusting the
    system's certificate authorities and ``remote_ca_cert`` (a PEM bundle) if given.
    """

    ignore: tuple[str, ...] = ()
    limits: RenderLimits = field(default_factory=RenderLimits)
    kubectl: str = "kubectl"
    substitution: Substitution | None = None
    """Variables to replace in the rendered objects (see :mod:`trueup.render.substitute`);
    None for an App that does not opt in, whose ``${...}`` stay as they are."""
    allow_remote_bases: bool = False
    remote_ca_cert: str | None = field(default=None, repr=False)
    kustomize_helm: str | None = None
    """The Helm helper kustomize runs as ``helm`` to inflate ``helmCharts`` (the App's
    ``spec.kustomize.enableHelm``); None: a kustomization with ``helmCharts`` is refused."""
    decryption: SopsKeys | None = None
    """The ``sops`` binary and the App's age identities (``spec.decryption``); None: a
    SOPS-encrypted file fails the render, naming it (see :mod:`trueup.render.decrypt`)."""
    helm: HelmRender | None = None
    """The App's Helm chart, rendered instead of the path (see :mod:`trueup.render.helm`)."""
    untrusted: bool = False
    """The render of a ref under review (a pull request's): SOPS files are never
    decrypted, each encrypted value is rendered as a placeholder (see
    :mod:`trueup.render.decrypt`); ``inputs.render_setup`` sets it with the rest of that mode."""


@dataclass(frozen=True, slots=True)
class Rendered:
    """The objects found at a path, in a stable order, and where each one came from.

    ``origins`` maps each object's id (as rendered) to its ``Origin``: the file and the line
    the object starts on for plain YAML (``apps/web/deploy.yaml:12``; an item of a ``List``
    starts on its own line), the kustomization directory for kustomize output.
    """

    objects: tuple[Object, ...]
    origins: Mapping[ObjectId, Origin]
    reads: frozenset[str] = frozenset()
    """What the render depends on: repository-relative paths (POSIX, ``.`` for the root)
    of the render path and of every directory a kustomization reached, each with all it
    holds. A commit that changes nothing under any of them renders the same objects."""
    masked_values: frozenset[str] = frozenset()
    """Values the render took from secret places (decrypted files, Secrets it read values
    from) that must be masked wherever they could land, not only inside Secrets."""
    unstable: tuple[tuple[ObjectId, str], ...] = ()
    """Fields (object id as rendered, JSON pointer) that two renders of the same input gave
    different values (a chart's random or time-based templates): their live values win, as
    with ``spec.ignoreDifferences``, and each is reported as a warning."""
    hooks: tuple[Hook, ...] = ()
    """A chart's install and upgrade hooks (see :mod:`trueup.plan.hooks`): not among
    ``objects``; the engine runs them before and after the main stages."""
    chart_version: str = ""
    """The version of the Helm chart rendered ('' when no chart was): the one a version
    range resolved to, for a chart from a repository."""
    chart_digest: str = ""
    """``sha256:<hex>`` of the chart archive pulled from a repository ('' for a chart in the
    App's source): what a pinned revision checks its recorded chart against."""
    input_digests: tuple[str, ...] = ()
    """The sha256 of each ConfigMap and Secret the render read from the cluster (set by
    the engine from its render setup): recorded with each attempt, never the values."""

    def origins_of(self, derived: Sequence[Object]) -> Mapping[ObjectId, Origin]:
        """Origins keyed by the ids of ``derived``: objects made one-to-one from ``objects``.

        Planning defaults namespaces, which changes ids; ``derived[i]`` is taken to come from
        ``objects[i]`` (as ``plan.prepare`` returns them), so each keeps its origin.
        """
        return MappingProxyType(
            {
                object_id(new): self.origins[object_id(old)]
                for old, new in zip(self.objects, derived, strict=True)
                if object_id(old) in self.origins
            }
        )

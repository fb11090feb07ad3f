"""The image each declared ImagePolicy selects now, from the tags the store keeps. Pure.

A policy's tags are those of the last good scan of its ImageRepository
(:class:`~trueup.store.ImageScan`); a repository never scanned, or scanned under another
image, gives its policies no selection yet (``None``), and markers naming them are left
alone and reported.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from trueup.config import LoadedConfig
from trueup.config.image_policy import ImagePolicy
from trueup.images import LatestImage, PolicyName, Selection, select_for
from trueup.store import ImageScan


@dataclass(frozen=True, slots=True)
class Selected:
    """What one policy selects: the image (None while it selects none) and why."""

    policy: PolicyName
    image: LatestImage | None
    reason: str


def selections(config: LoadedConfig, scans: Mapping[str, ImageScan]) -> dict[PolicyName, Selected]:
    """Every declared ImagePolicy's selection, by the name markers give it."""
    repositories = {(r.namespace, r.metadata.name): r for r in config.image_repositories}
    found: dict[PolicyName, Selected] = {}
    for policy in config.image_policies:
        name = policy.marker_name
        repo = repositories.get((policy.namespace, policy.spec.image_repository))
        scan = scans.get(repo.key) if repo is not None else None
        if repo is None or scan is None or scan.tags_at is None or scan.image != repo.spec.image:
            found[name] = Selected(name, None, "its ImageRepository has not been scanned yet")
            continue
        found[name] = _selected(policy, name, repo.spec.image, scan)
    return found


def _selected(policy: ImagePolicy, name: PolicyName, image: str, scan: ImageScan) -> Selected:
    selection: Selection = select_for(policy.rules, scan.tags, scan.digests.get)
    chosen = selection.image(image)
    if chosen is None and selection.tag is not None:
        reason = f"tag {selection.tag} chosen, but its digest is not known yet"
        return Selected(name, None, reason)
    return Selected(name, chosen, selection.reason)


def images_of(selected: Mapping[PolicyName, Selected]) -> dict[PolicyName, LatestImage | None]:
    """The mapping :func:`trueup.images.set_images` takes."""
    return {name: s.image for name, s in selected.items()}

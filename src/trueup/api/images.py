"""``GET /api/images``: the ImageRepositories, with what their last scan found.

Read from the configuration and the store (the leading daemon's scans); image names and
tags are not secret, so every viewer sees every repository.
"""

from __future__ import annotations

from dataclasses import dataclass

from trueup.api.context import Call
from trueup.daemon.images import ImageState, image_states


@dataclass(frozen=True, slots=True)
class ImageList:
    """Every ImageRepository of the configuration, by repository name."""

    items: list[ImageState]


async def list_images(call: Call) -> ImageList:
    """The ImageRepositories with tag count, newest tags, last scan, error, and what each
    of their ImagePolicies selects."""
    config = call.daemon.config
    scans = await call.daemon.store.image_scans()
    return ImageList(image_states(config, config.image_repositories, scans))

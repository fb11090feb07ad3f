"""Image update automation: the images ImagePolicies select, written to Git.

:func:`run_update` runs one ``ImageUpdate``: it reads each policy's selection from the
tags the store keeps (:mod:`~trueup.imageupdate.selection`), applies the markers under
``spec.path`` in a work tree of the one Git writer (:mod:`~trueup.imageupdate.edit`), and
pushes one commit whose message lists ``old → new`` per image
(:mod:`~trueup.imageupdate.message`): to the source's branch, or to an update branch
trueup owns (:mod:`~trueup.imageupdate.branch`) with a pull request opened or updated in
place. The daemon runs it after scans and on the ImageUpdate's interval
(:mod:`trueup.daemon.image_updates`); ``trueup images update`` runs it from the CLI.
"""

from __future__ import annotations

from trueup.imageupdate.branch import TRAILER, BranchState, trailer, update_branch
from trueup.imageupdate.edit import Edited, apply_markers
from trueup.imageupdate.run import (
    BranchOutcome,
    UpdateResult,
    run_update,
    source_of,
    writer_for,
)
from trueup.imageupdate.selection import Selected, images_of, selections

__all__ = [
    "TRAILER",
    "BranchOutcome",
    "BranchState",
    "Edited",
    "Selected",
    "UpdateResult",
    "apply_markers",
    "images_of",
    "run_update",
    "selections",
    "source_of",
    "trailer",
    "update_branch",
    "writer_for",
]

"""The commit message, pull-request title and body of an image update, from its changes.

The templates (``spec.commit.messageTemplate``, ``push.pullRequest.title``) are filled in
by :func:`trueup.config.image_update.render`; the lists they name are written here: one
``- <policy>: old → new`` line per image (``{images}``) and one ``- <file>:<line>: old →
new`` line per changed field (``{changes}``). Every message ends with the trailer that
marks trueup's commits (:func:`trueup.imageupdate.branch.trailer`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from trueup.config.image_update import ImageUpdate, render
from trueup.images import Change
from trueup.imageupdate.branch import trailer


def image_lines(changes: Sequence[Change]) -> str:
    """One line per distinct ``policy: old → new``, in the order first seen."""
    seen: dict[tuple[str, str, str], None] = {}
    for change in changes:
        seen.setdefault((str(change.policy), change.old, change.new), None)
    return "\n".join(f"- {policy}: {old} → {new}" for policy, old, new in seen)


def change_key(changes: Sequence[Change]) -> str:
    """What a pull request proposes, as a key for its hidden marker: a digest of the set of
    ``policy → new value`` pairs. The same images give the same key whatever the base or
    commit (so a pull request a person closed is not opened again for them); another
    image set gives another key."""
    pairs = sorted({f"{change.policy}\x1f{change.field}\x1f{change.new}" for change in changes})
    digest = hashlib.sha256("\n".join(pairs).encode()).hexdigest()[:24]
    return f"image-update:{digest}"


def change_lines(changes: Sequence[Change]) -> str:
    """One line per changed field: ``- file:line: old → new``."""
    return "\n".join(f"- {c.file}:{c.line}: {c.old} → {c.new}" for c in changes)


def fields(update: ImageUpdate, branch: str, changes: Sequence[Change]) -> dict[str, str]:
    """The values a message or title template may name."""
    return {
        "update": update.metadata.name,
        "source": update.spec.source,
        "branch": branch,
        "path": update.spec.path,
        "images": image_lines(changes),
        "changes": change_lines(changes),
        "count": str(len(changes)),
    }


def commit_message(update: ImageUpdate, branch: str, changes: Sequence[Change]) -> str:
    """The commit message: the template filled in, then trueup's trailer."""
    text = render(update.spec.commit.message_template, fields(update, branch, changes))
    return f"{text.rstrip()}\n\n{trailer(str(update.id))}\n"


def pull_request_title(
    update: ImageUpdate, template: str, branch: str, changes: Sequence[Change]
) -> str:
    """The pull request's title: one line of the filled-in template."""
    text = render(template, fields(update, branch, changes))
    return " ".join(text.split())[:250] or f"Update images ({update.metadata.name})"


def pull_request_body(update: ImageUpdate, changes: Sequence[Change], commit: str) -> str:
    """The pull request's body: the images, the changed fields, and the commit."""
    return (
        f"trueup's ImageUpdate `{update.metadata.name}` updates these images:\n\n"
        f"{image_lines(changes)}\n\nChanged fields:\n\n{change_lines(changes)}\n\n"
        f"Commit: {commit}\n"
    )

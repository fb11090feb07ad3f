"""One comment per pull request, one pull request per branch: created once, then updated.

A preview posted on every push must not pile up comments, and an image update must not
open a second pull request for a branch that has one. :func:`upsert_comment` finds
trueup's earlier comment by a hidden marker line (``<!-- trueup:<key> -->``, invisible in
the rendered Markdown) and replaces its body; :func:`upsert_pull_request` finds the open
pull request of the head branch and replaces its title and body, and opens none again for
a change whose pull request a person closed unmerged. Neither writes when nothing changed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from trueup.errors import ForgeError
from trueup.forge.client import Forge
from trueup.forge.model import Comment, PullRequest

_KEY: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:/-]{0,99}")


@dataclass(frozen=True, slots=True)
class CommentResult:
    """Where the comment is, and what was done: ``created``, ``updated`` or ``unchanged``."""

    pull: PullRequest
    comment: Comment
    action: str


@dataclass(frozen=True, slots=True)
class PullRequestResult:
    """The pull request, and what was done: ``created``, ``updated``, ``unchanged``, or
    ``declined`` (nothing: the same change's pull request was closed without a merge)."""

    pull: PullRequest
    action: str


def marker(key: str) -> str:
    """The hidden first line of trueup's comment for ``key`` (``preview``,
    ``preview:staging``): an HTML comment, so the forge renders nothing for it."""
    if not _KEY.fullmatch(key):
        raise ValueError(
            f"comment key {key[:40]!r} must be 1-100 letters, digits and . _ : / - "
            "starting with a letter or digit"
        )
    return f"<!-- trueup:{key} -->"


def marked(key: str, body: str) -> str:
    """``body`` with the marker of ``key`` as its first line."""
    return f"{marker(key)}\n{body}"


async def upsert_comment(forge: Forge, head: str, key: str, body: str) -> CommentResult:
    """Post ``body`` on the open pull request from branch ``head``: in place of trueup's
    earlier comment for ``key`` when there is one, as a new comment otherwise.

    Raises :class:`~trueup.errors.ForgeError` when no pull request from ``head`` is open
    (nothing to comment on), and the errors of :class:`~trueup.forge.client.Forge`.
    """
    pull = await forge.open_pull_request(head)
    if pull is None:
        raise ForgeError(
            f"{forge.repository}: no open pull request from branch {head!r}: "
            "open one first, or check the branch name"
        )
    text = marked(key, body)
    line = marker(key)
    async for comment in forge.comments(pull):
        if comment.body.split("\n", 1)[0].strip() == line:
            if comment.body == text:
                return CommentResult(pull, comment, "unchanged")
            updated = await forge.update_comment(pull, comment.id, text)
            return CommentResult(pull, updated, "updated")
    created = await forge.create_comment(pull, text)
    return CommentResult(pull, created, "created")


async def upsert_pull_request(
    forge: Forge,
    head: str,
    base: str,
    title: str,
    body: str,
    *,
    key: str | None = None,
    declined_checked: bool = False,
) -> PullRequestResult:
    """Open a pull request from ``head`` into ``base``, or, when one from ``head`` is open
    already, give it ``title`` and ``body`` (never a second one for the same branch).

    With ``key`` (what the change is, e.g. a digest of the images it sets), the body
    carries the marker of ``key``, and a pull request from ``head`` that someone closed
    without merging while it carried that same marker is taken as their answer: nothing is
    opened, and the action is ``declined``. A change with another key opens a new one.
    ``declined_checked``: the caller has just found none such (:func:`declined_pull_request`
    answered None for ``key``), so the closed pull requests are not listed again.
    """
    text = marked(key, body) if key is not None else body
    pull = await forge.open_pull_request(head)
    if pull is None:
        closed = None
        if key is not None and not declined_checked:
            closed = await _closed_with(forge, head, key)
        if closed is not None:
            return PullRequestResult(closed, "declined")
        return PullRequestResult(
            await forge.create_pull_request(head, base, title, text), "created"
        )
    if pull.title == title and pull.body == text:
        return PullRequestResult(pull, "unchanged")
    return PullRequestResult(await forge.update_pull_request(pull, title, text), "updated")


async def declined_pull_request(forge: Forge, head: str, key: str) -> PullRequest | None:
    """The pull request from ``head`` a person closed without merging while it carried the
    marker of ``key``: :func:`upsert_pull_request` would answer ``declined`` for that
    change. None when there is none, or when a pull request from ``head`` is open (that one
    is updated in place, whatever it proposed before)."""
    if await forge.open_pull_request(head) is not None:
        return None
    return await _closed_with(forge, head, key)


async def _closed_with(forge: Forge, head: str, key: str) -> PullRequest | None:
    line = marker(key)
    async for closed in forge.closed_pull_requests(head):
        if closed.body.split("\n", 1)[0].strip() == line:
            return closed
    return None

"""A preview as Markdown, fit to paste into a pull request (or post as its comment). Pure.

A header names the source and both commits; a table counts per App what merging creates,
changes and prunes; each App follows with one folded ``<details>`` per object holding its
diff; the Apps the ref does not touch are counted and named on one line. Order is fixed
(Apps and objects by name), so the same preview always gives the same text, and a comment
updated in place changes only when the preview does.

Forges limit a comment's length (GitHub: 65,536 characters): diffs that would pass
``MAX_CHARS`` are left out, each saying so and how to see it.
"""

from __future__ import annotations

import re
from typing import Final

from trueup.preview.compare import AppPreview, Change
from trueup.preview.run import Preview

MAX_CHARS: Final = 60_000
"""The longest Markdown made; diffs beyond it are left out, named."""

MARKER: Final = "trueup preview"
"""The words the header starts with (the forge finds its comment by a hidden marker)."""

_BACKTICKS = re.compile(r"`{3,}")


def to_markdown(preview: Preview, *, max_chars: int = MAX_CHARS) -> str:
    """``preview`` as Markdown (see the module's docstring)."""
    lines = [
        f"### {MARKER}: `{_short(preview.ref)}` against `{_short(preview.base)}`",
        "",
        f"GitSource `{preview.source}`: base `{preview.base}`, ref `{preview.ref}`.",
        "",
    ]
    if not preview.apps:
        lines.append("No App reads anything this ref changes.")
    else:
        lines += ["| App | Created | Changed | Pruned | |", "|---|---:|---:|---:|---|"]
        for app in preview.apps:
            counts = " | ".join(str(app.count(change)) for change in Change)
            lines.append(f"| `{app.app}` | {counts} | {_state(app)} |")
    tail = []
    if preview.unaffected:
        names = ", ".join(f"`{name}`" for name in preview.unaffected)
        tail = ["", f"{len(preview.unaffected)} App(s) not touched: {names}."]
    budget = max_chars - _size(lines) - _size(tail) - 200
    for app in preview.apps:
        body = [*_app_lines(app)]
        budget -= _size(body)
        left_out = 0
        for diff in app.changes:
            name = f"{diff.id} ({diff.change.value})"
            folded = _folded(name, diff.diff)
            short = (
                f"- {name}: diff left out, too long for one comment (`trueup diff {app.app} --ref`)"
            )
            for line in (folded, short):
                if len(line) + 1 <= budget:
                    body.append(line)
                    budget -= len(line) + 1
                    break
            else:
                left_out += 1
        if left_out:
            body.append(f"- {left_out} more object(s) left out")  # not even named: too many
        lines += body
    return "\n".join([*lines, *tail]) + "\n"


def _app_lines(app: AppPreview) -> list[str]:
    """An App's heading and what to say before its diffs."""
    lines = ["", f"#### `{app.app}`: {app.summary}", ""]
    if app.base_error:
        why = _quoted(app.base_error)
        lines += [f"Not rendered at the base (every object counts as created): {why}", ""]
    if app.error:
        lines += [f"Not rendered at the ref: {_quoted(app.error)}", ""]
    elif not app.changes:
        lines += ["Its files changed, its objects do not.", ""]
    return lines


def _size(lines: list[str]) -> int:
    return sum(len(line) + 1 for line in lines)


def _state(app: AppPreview) -> str:
    if app.error:
        return "render failed"
    return "changes" if app.changes else "no change"


def _folded(summary: str, diff: str) -> str:
    fence = "`" * max([3, *(len(run) + 1 for run in _BACKTICKS.findall(diff))])
    return (
        f"<details><summary>{_escaped(summary)}</summary>\n\n"
        f"{fence}diff\n{diff.rstrip()}\n{fence}\n\n</details>"
    )


def _quoted(text: str) -> str:
    """An error message on one line, as inline code (nothing in it renders as Markdown)."""
    flat = " ".join(text.split()).replace("`", "'")
    return f"`{flat}`"


def _escaped(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _short(revision: str) -> str:
    """``main@sha1:0123456789…`` as ``main@0123456``."""
    name, _, sha = revision.rpartition("@")
    sha = sha.removeprefix("sha1:")[:7]
    return f"{name}@{sha}" if name else sha

"""What merging a ref would change: an App, or every App a ref touches, rendered at the ref
and compared with a base, without applying, recording or decrypting anything.

- ``refs``: a ref as the user writes it (branch, tag or commit), fetched.
- ``compare``: two renders of one App, object by object (pure).
- ``run``: ``diff_ref`` for one App, ``preview`` for every App a ref touches.
- ``markdown``: a preview as Markdown, fit to paste into a pull request (pure).
- ``post``: that Markdown as the one comment of the pull request, through a forge.

A ref under review is untrusted: it is rendered in ``inputs.render_setup``'s untrusted
mode (no Secret read, no SOPS file decrypted, no Helm ``lookup``), and so is the base it is
compared with, so that both sides show the same placeholders.
"""

from __future__ import annotations

from trueup.preview.compare import AppPreview, Change, ObjectDiff, compare_renders
from trueup.preview.markdown import MARKER, to_markdown
from trueup.preview.refs import ref_candidates
from trueup.preview.run import Preview, diff_ref, preview

__all__ = [
    "MARKER",
    "AppPreview",
    "Change",
    "ObjectDiff",
    "Preview",
    "compare_renders",
    "diff_ref",
    "preview",
    "ref_candidates",
    "to_markdown",
]

"""What ``trueup diff`` prints: a unified diff per object, or the same as data.

``-o json|yaml`` gives a list with one entry per object that would change, in the order
the text shows them::

    object: Deployment/shop/web
    action: configure            # create, configure or prune
    live: {...}                  # the live object as compared (null for create)
    desired: {...}               # the server's dry-run result (null for prune)
    diff: "--- live/Deployment/shop/web\\n+++ desired/..."

Both sides are normalised (server-populated noise removed) and Secret values masked, as in
the text diff, and so are values substitution took from Secrets, in any object (see
``cli.masked_output``); an empty list means no difference.
"""

from __future__ import annotations

from typing import Any

from trueup.cli.masked_output import ValueMask
from trueup.engine import SyncReport
from trueup.objects import Object, ObjectId
from trueup.plan import comparable, unified_diff


def diff_entries(report: SyncReport) -> list[dict[str, Any]]:
    """Every object a sync would change: what it would do, both sides, and the diff text.

    The report's ``masked_values`` (taken from Secrets, decrypted) are masked wherever they
    are, on both sides.
    """
    hidden = ValueMask(report.masked_values)
    pairs: list[tuple[ObjectId, Object | None, Object | None]] = [
        (oid, live, desired) for oid, (live, desired) in sorted(report.diffs.items())
    ]
    pairs += [(oid, live, None) for oid, live in report.deletions.items()]
    entries = []
    for oid, live, desired in pairs:
        text = hidden.text(unified_diff(oid, live, desired))
        if not text:
            continue
        before, after = (hidden.strings(side) for side in comparable(live, desired))
        action = "prune" if desired is None else "create" if live is None else "configure"
        entries.append(
            {"object": str(oid), "action": action, "live": before, "desired": after, "diff": text}
        )
    return entries

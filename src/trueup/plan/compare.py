"""Decide whether applying an object would change it: its dry-run result against live.

Why the dry-run result, not the manifest: a server-side apply dry-run goes through
everything a real apply goes through (defaulting, mutating admission webhooks, field
ownership merging with other managers) and returns the object as it would be stored. The
live object went through the same chain when it was last applied. So a field that a
webhook or defaulting sets on every write is present, with the same value, on both sides,
and the comparison is stable: no change is seen, and no endless apply loop starts. A
comparison of the manifest with the live object would see those fields as a difference
on every reconcile.

The one case this cannot absorb is a webhook that writes a *different* value on every
call (a timestamp, a random id): the dry-run then always differs. That is a real
conflict between trueup and the webhook, reported by the apply layer, not hidden here.
"""

from __future__ import annotations

from trueup.objects import Object
from trueup.plan.normalize import normalize


def differs(dry_run: Object, live: Object) -> bool:
    """True when the dry-run result differs from the live object, server noise aside."""
    return normalize(dry_run) != normalize(live)

"""Skipping the dry-run of objects that cannot have changed since the last good apply.

When the desired object hashes to the same content as at the last successful apply and
the live object still has the ``resourceVersion`` that apply left it at, nobody changed
either side, so a dry-run would answer what it answered then: unchanged. The engine keeps
``ApplyResult.known`` between syncs and passes it back; warm syncs of large apps then
cost one LIST per kind instead of one dry-run per object.

What this cannot see: a mutating webhook or the server's defaults changing in between
(a cluster upgrade). Both are re-read on the next change of the object, and the engine
drops ``known`` whenever it wants a full comparison (for example on a forced sync).
"""

from __future__ import annotations

import hashlib

import orjson

from trueup.apply.model import Known
from trueup.objects import Object, ObjectId


def content_hash(obj: Object) -> str:
    """A stable hash of ``obj``'s content: the same for equal dicts, whatever their key order."""
    return hashlib.sha256(orjson.dumps(obj, option=orjson.OPT_SORT_KEYS)).hexdigest()


def resource_version(obj: Object | None) -> str:
    """The object's ``metadata.resourceVersion`` ('' for None or when it has none)."""
    if obj is None:
        return ""
    return str((obj.get("metadata") or {}).get("resourceVersion") or "")


def still_known(known: Known | None, oid: ObjectId, desired: Object, live: Object | None) -> bool:
    """Whether ``desired`` and ``live`` are exactly as the last good apply left them."""
    if not known or live is None:
        return False
    entry = known.get(oid)
    version = resource_version(live)
    return entry is not None and bool(version) and entry == (content_hash(desired), version)

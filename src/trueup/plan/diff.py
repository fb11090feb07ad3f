"""A unified diff of one object, live against desired, safe to show to anyone.

Both sides are normalised (server noise removed), Secret values are masked against each
other (see ``trueup.plan.mask``), and each side is written as YAML with sorted keys, so
the same two objects always give the same text.
"""

from __future__ import annotations

import difflib
from typing import Any

import yaml

from trueup.objects import Object, ObjectId
from trueup.plan.mask import mask_secret_pair
from trueup.plan.normalize import normalize

# The C dumper is several times faster; the pure-Python one gives the same text.
_Dumper: Any = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def to_yaml(obj: Object | None) -> str:
    """``obj`` as block YAML with sorted keys ('' for None); the text diffs are made of."""
    if obj is None:
        return ""
    text: str = yaml.dump(
        obj, Dumper=_Dumper, sort_keys=True, default_flow_style=False, allow_unicode=True
    )
    return text


def comparable(live: Object | None, desired: Object | None) -> tuple[Object | None, Object | None]:
    """Both sides as a diff shows them: normalised, Secret values masked against each other."""
    before = normalize(live) if live is not None else None
    after = normalize(desired) if desired is not None else None
    return mask_secret_pair(before, after)


def unified_diff(id: ObjectId, live: Object | None, desired: Object | None) -> str:
    """The unified diff from ``live`` to ``desired`` ('' when they do not differ).

    None stands for an object that does not exist on that side: a creation diffs from
    nothing, a deletion to nothing. The headers name the object as ``live/Kind/ns/name``
    and ``desired/Kind/ns/name``.
    """
    before, after = comparable(live, desired)
    lines = difflib.unified_diff(
        to_yaml(before).splitlines(keepends=True),
        to_yaml(after).splitlines(keepends=True),
        fromfile=f"live/{id}",
        tofile=f"desired/{id}",
    )
    return "".join(lines)

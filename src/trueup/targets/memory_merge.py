"""Server-side apply, approximated for the in-memory target. Pure functions over dicts.

Close enough for engine tests, not a reimplementation: maps merge key by key, lists and
scalars are atomic (replaced whole, where the API server merges some lists by key), and
a field the manager applied before but omits now is removed. Fields set by anyone else
stay. Differences from the real thing are covered by the integration tests.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from trueup.objects import Object

Path = tuple[str, ...]


def leaf_paths(value: Any, prefix: Path = ()) -> Iterator[Path]:
    """Every path to a non-map value (lists are leaves, as they are atomic here)."""
    if isinstance(value, dict) and value:
        for key, child in value.items():
            yield from leaf_paths(child, (*prefix, str(key)))
    elif prefix:
        yield prefix


def get_path(obj: Any, path: Path) -> Any:
    """The value at ``path``, or None."""
    for key in path:
        if not isinstance(obj, dict):
            return None
        obj = obj.get(key)
    return obj


def _remove(obj: dict[str, Any], path: Path) -> None:
    parent = obj
    parents = []
    for key in path[:-1]:
        child = parent.get(key)
        if not isinstance(child, dict):
            return
        # Copy on the way down: untouched maps are shared with the live object.
        child = dict(child)
        parent[key] = child
        parents.append((parent, key))
        parent = child
    parent.pop(path[-1], None)
    # A map the manager emptied goes away too, as with real apply.
    for holder, key in reversed(parents):
        if holder[key]:
            break
        del holder[key]


def without(obj: Object, paths: list[Path]) -> Object:
    """A copy of ``obj`` without the fields at ``paths`` (``obj`` is left as it was)."""
    result = dict(obj)
    for path in paths:
        _remove(result, path)
    return result


def merge(base: Any, patch: Any) -> Any:
    """``patch`` over ``base``: maps merge recursively, anything else is replaced."""
    if not isinstance(base, dict) or not isinstance(patch, dict):
        return patch
    merged = dict(base)
    for key, value in patch.items():
        if value is None:
            merged.pop(key, None)
        else:
            merged[key] = merge(base.get(key), value)
    return merged


def apply_config(live: Object, previous: Object | None, config: Object) -> Object:
    """``live`` after applying ``config``, given what the same manager applied before."""
    result = merge(live, config)
    if previous is not None:
        kept = set(leaf_paths(config))
        # A map applied empty before and filled now is still declared (its paths are parents).
        parents = {path[:n] for path in kept for n in range(1, len(path))}
        for path in set(leaf_paths(previous)) - kept - parents:
            # Only remove a field the config stopped declaring if no prefix of it is declared.
            if not any(path[:n] in kept for n in range(1, len(path))):
                _remove(result, path)
    assert isinstance(result, dict)
    return result


def conflicts(live: Object, previous: Object | None, config: Object) -> list[str]:
    """Fields ``config`` changes that another manager set (not this one before)."""
    mine = set(leaf_paths(previous)) if previous is not None else set()
    return [
        ".".join(path)
        for path in leaf_paths(config)
        if path not in mine
        and path[0] not in ("apiVersion", "kind")
        and get_path(live, path) is not None
        and get_path(live, path) != get_path(config, path)
    ]


def changed_immutable(live: Object, config: Object, fields: tuple[Path, ...]) -> list[str]:
    """The immutable ``fields`` that ``config`` sets to something other than the live value."""
    return [
        ".".join(path)
        for path in fields
        if get_path(config, path) is not None
        and get_path(live, path) is not None
        and get_path(config, path) != get_path(live, path)
    ]

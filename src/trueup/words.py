"""Counts in words for people: ``1 stage``, ``2 stages``, ``1 policy``, ``3 policies``."""

from __future__ import annotations


def counted(count: int, singular: str, plural: str | None = None) -> str:
    """``count`` followed by ``singular`` or its plural (``singular + "s"`` unless given)."""
    noun = singular if count == 1 else (plural or f"{singular}s")
    return f"{count} {noun}"

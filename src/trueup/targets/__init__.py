"""Targets: the systems trueup makes agree with Git, behind one small interface.

``base`` defines the interface the engine uses (:class:`~trueup.targets.base.Target`),
``memory`` an in-memory fake of it for fast engine tests, and ``kubernetes`` the real
thing for Kubernetes API servers. ``retry`` is the shared jittered backoff helper.
"""

from __future__ import annotations

from trueup.targets.base import (
    Applied,
    FieldValidation,
    ObjectList,
    ResourceInfo,
    Target,
    WatchEvent,
    WatchEventType,
)

__all__ = [
    "Applied",
    "FieldValidation",
    "ObjectList",
    "ResourceInfo",
    "Target",
    "WatchEvent",
    "WatchEventType",
]

"""The YAML manifests the apply tests use, loaded fresh for every test."""

from __future__ import annotations

from pathlib import Path

import yaml

from trueup.objects import Object, ObjectId, object_id

FIXTURES = Path(__file__).parent / "fixtures"


def load(filename: str) -> list[Object]:
    """Every object of one fixture file, in file order (fresh copies each call)."""
    text = (FIXTURES / filename).read_text(encoding="utf-8")
    return [doc for doc in yaml.safe_load_all(text) if doc]


def by_kind(objects: list[Object], kind: str) -> Object:
    """The one object of ``kind`` in ``objects``."""
    return next(obj for obj in objects if obj["kind"] == kind)


def ids(objects: list[Object]) -> list[ObjectId]:
    """The ids of ``objects``, in order."""
    return [object_id(obj) for obj in objects]

"""Image policies and image markers: which tag of an image to run, and writing it to YAML.

Pure, and below ``config`` so that configuration validates patterns and ranges with the
same code that later applies them.

- :mod:`~trueup.images.policy`: :func:`select_for` picks a tag by a semver, numerical or
  alphabetical rule, after an optional ``filterTags``
  (:mod:`~trueup.images.tagfilter`).
- :mod:`~trueup.images.reference`: :class:`LatestImage` (name, tag, digest) and
  :class:`PolicyName` (``namespace:name``, as markers name a policy).
- :mod:`~trueup.images.markers`: Flux's ``# {"$imagepolicy": "ns:policy[:tag|:name|:digest]"}``
  markers, found with the exact span of the scalar each marks.
- :mod:`~trueup.images.setters`: :func:`set_images` rewrites only the marked scalars.
"""

from __future__ import annotations

from trueup.images.markers import (
    Field,
    Marker,
    MarkerProblem,
    ProblemKind,
    find_markers,
    may_hold_markers,
)
from trueup.images.policy import (
    Alphabetical,
    Numerical,
    Order,
    Policy,
    Rule,
    Selection,
    Semver,
    select_for,
)
from trueup.images.reference import DEFAULT_NAMESPACE, LatestImage, PolicyName
from trueup.images.setters import Change, FileUpdate, set_images
from trueup.images.tagfilter import FilterError, Pattern, TagFilter, compile_filter, compile_pattern

__all__ = [
    "DEFAULT_NAMESPACE",
    "Alphabetical",
    "Change",
    "Field",
    "FileUpdate",
    "FilterError",
    "LatestImage",
    "Marker",
    "MarkerProblem",
    "Numerical",
    "Order",
    "Pattern",
    "Policy",
    "PolicyName",
    "ProblemKind",
    "Rule",
    "Selection",
    "Semver",
    "TagFilter",
    "compile_filter",
    "compile_pattern",
    "find_markers",
    "may_hold_markers",
    "select_for",
    "set_images",
]

"""``ImagePolicy``: which tag of an ImageRepository's image to run.

::

    kind: ImagePolicy
    metadata: {name: app}
    spec:
      imageRepository: app                         # an ImageRepository in this namespace
      policy: {semver: {range: ">=1.0.0 <2.0.0"}}  # or {numerical: {order: asc|desc}}
                                                   # or {alphabetical: {order: asc|desc}}
      filterTags:                                  # optional
        pattern: '^main-[a-f0-9]+-(?P<ts>[0-9]+)$'
        extract: '$ts'
      digest: false                                # true: write name:tag@sha256:…

Markers in YAML files name the policy ``<namespace>:<name>``; one declared without a
namespace is ``default:<name>``. The rules themselves live in :mod:`trueup.images`, so a
range or pattern accepted here is one a scan applies; the loader checks that the
ImageRepository exists (:mod:`trueup.config.references`).
"""

from __future__ import annotations

from typing import Annotated, Literal, Self

from pydantic import AfterValidator, BeforeValidator, StrictBool, model_validator
from pydantic_core import PydanticCustomError

from trueup.config.meta import API_VERSION, ConfigModel, ConfigObject, Name
from trueup.errors import SourceError
from trueup.images import (
    Alphabetical,
    FilterError,
    Numerical,
    Order,
    Policy,
    PolicyName,
    Rule,
    Semver,
    TagFilter,
    compile_filter,
)


def _range(value: str) -> str:
    try:
        Semver.parse(value)
    except SourceError as e:
        raise PydanticCustomError(
            "semver_range",
            "{reason}",
            {"reason": str(e), "hint": ""},  # the rule's message says what to write
        ) from None
    return value


class SemverPolicy(ConfigModel):
    """``semver``: the highest version in ``range``; pre-releases only if the range names one."""

    range: Annotated[str, AfterValidator(_range)]


def _order(value: object) -> object:
    if value not in [o.value for o in Order]:
        raise PydanticCustomError(
            "image_policy_order",
            "'{value}' is not an order",
            {"value": str(value)[:80], "hint": "use asc (the greatest wins) or desc (the least)"},
        )
    return value


class OrderPolicy(ConfigModel):
    """``numerical`` or ``alphabetical``: ``asc`` picks the greatest value, ``desc`` the least."""

    order: Annotated[Order, BeforeValidator(_order)] = Order.ASC


class PolicyChoice(ConfigModel):
    """``spec.policy``: exactly one of ``semver``, ``numerical`` and ``alphabetical``."""

    semver: SemverPolicy | None = None
    numerical: OrderPolicy | None = None
    alphabetical: OrderPolicy | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> Self:
        given = [n for n in ("semver", "numerical", "alphabetical") if getattr(self, n)]
        if len(given) != 1:
            raise PydanticCustomError(
                "image_policy_choice",
                "the policy must be exactly one of semver, numerical and alphabetical"
                + (f" (found {' and '.join(given)})" if given else ""),
                {"hint": "write e.g. policy: {semver: {range: '>=1.0.0 <2.0.0'}}"},
            )
        return self

    @property
    def rule(self) -> Rule:
        """The rule this choice names."""
        if self.semver is not None:
            return Semver.parse(self.semver.range)
        if self.numerical is not None:
            return Numerical(self.numerical.order)
        assert self.alphabetical is not None
        return Alphabetical(self.alphabetical.order)


class FilterTags(ConfigModel):
    """``spec.filterTags``: a regular expression tags must match, and what to compare."""

    pattern: str
    """An RE2 regular expression (Go's syntax, as in Flux; matched in linear time),
    searched in each tag."""
    extract: str = ""
    """A template of the pattern's groups (``$ts``, ``${ts}``, ``$1``); '' is the whole tag."""

    @model_validator(mode="after")
    def _compiles(self) -> Self:
        try:
            compile_filter(self.pattern, self.extract)
        except FilterError as e:
            raise PydanticCustomError(
                "image_filter_tags",
                "{reason}",
                {"reason": str(e), "hint": "fix filterTags (RE2 syntax, Go-style $group)"},
            ) from None
        return self

    @property
    def compiled(self) -> TagFilter:
        """The filter, compiled (valid: the validator compiled it once already)."""
        return compile_filter(self.pattern, self.extract)


class ImagePolicySpec(ConfigModel):
    """``spec`` of an ``ImagePolicy``."""

    image_repository: Name
    """The name of an ``ImageRepository`` in the policy's namespace."""
    policy: PolicyChoice
    filter_tags: FilterTags | None = None
    digest: StrictBool = False
    """Pin the digest of the selected tag (re-read on every scan, so a re-pushed tag moves
    the pin); markers then write ``name:tag@digest``, and ``:digest`` markers work."""


class ImagePolicy(ConfigObject):
    """Which tag of an ImageRepository's image the markers naming this policy get."""

    api_version: Literal["trueup.dev/v1alpha1"] = API_VERSION
    kind: Literal["ImagePolicy"] = "ImagePolicy"
    spec: ImagePolicySpec

    @property
    def rules(self) -> Policy:
        """The policy as :func:`trueup.images.select_for` applies it."""
        spec = self.spec
        tag_filter = spec.filter_tags.compiled if spec.filter_tags else None
        return Policy(spec.policy.rule, tag_filter, spec.digest)

    @property
    def marker_name(self) -> PolicyName:
        """How markers name this policy: ``<namespace>:<name>`` (``default`` for none)."""
        return PolicyName.of(self.namespace, self.metadata.name)

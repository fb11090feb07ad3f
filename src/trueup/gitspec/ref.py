"""``GitRef``: which revision to follow, and the rules for each kind of reference.

Branch and tag names follow ``git check-ref-format`` (and never begin with ``-``, which
git would read as an option); a commit is a full SHA-1 (40 hexadecimal digits, kept in
lower case); a semver range must parse (see :mod:`trueup.gitspec.semver`). The rules
are :func:`ref_problem`; the configuration reports them as validation issues with a hint,
the source as :class:`~trueup.errors.SourceError`.
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Annotated, NamedTuple, Self

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    ValidationInfo,
    model_validator,
)
from pydantic_core import PydanticCustomError

from trueup.errors import SourceError
from trueup.gitspec.semver import parse_range

MAX_REF_LENGTH = 255

_COMMIT = re.compile(r"[0-9a-fA-F]{40}")
_REF_FORBIDDEN = re.compile(r"[\x00-\x20\x7f~^:?*\[\\]")


class RefKind(StrEnum):
    """Which kind of Git reference a :class:`GitRef` names."""

    BRANCH = "branch"
    TAG = "tag"
    SEMVER = "semver"
    COMMIT = "commit"


class Problem(NamedTuple):
    """Why a value is refused, and what to write instead."""

    message: str
    hint: str

    def __str__(self) -> str:
        return f"{self.message} ({self.hint})"


def ref_problem(kind: RefKind, value: str) -> Problem | None:
    """The problem with ``value`` as a reference of ``kind``, or None if git would take it."""
    shown = f"'{value[:80]}'"
    if kind is RefKind.COMMIT:
        if _COMMIT.fullmatch(value):
            return None
        return Problem(
            f"{shown} is not a full commit id",
            "write all 40 hexadecimal digits; trueup reads SHA-1 repositories",
        )
    if kind is RefKind.SEMVER:
        try:
            parse_range(value)
        except SourceError as e:
            return Problem(
                f"{shown} is not a semver range: {e}",
                "write a range such as '>=1.2.0 <2.0.0' or '1.x'",
            )
        return None
    problem = _ref_name_problem(value)
    if problem is None:
        return None
    return Problem(
        f"{shown} is not a valid Git ref name: {problem}",
        f"use a {kind.value} name that git check-ref-format accepts",
    )


def validate_ref(ref: GitRef) -> None:
    """Raise :class:`SourceError` if ``ref`` breaks a rule (for refs built without checks)."""
    kinds = [kind for kind in RefKind if getattr(ref, kind.value) is not None]
    if len(kinds) != 1:
        raise SourceError(_exactly_one(kinds))
    problem = ref_problem(kinds[0], getattr(ref, kinds[0].value))
    if problem is not None:
        raise SourceError(f"{kinds[0].value} {problem}")


def _ref_name_problem(name: str) -> str | None:
    if not name:
        return "it is empty"
    if len(name) > MAX_REF_LENGTH:
        return f"it is longer than {MAX_REF_LENGTH} characters"
    if name.startswith("-"):
        return "it begins with '-', which git would read as an option"
    if _REF_FORBIDDEN.search(name):
        return "it contains a space, a control character or one of ~ ^ : ? * [ \\"
    if ".." in name or "@{" in name or name == "@":
        return "it contains '..' or '@{', or is '@'"
    if name.startswith("/") or name.endswith("/") or "//" in name:
        return "it begins or ends with '/' or contains '//'"
    if name.endswith("."):
        return "it ends with '.'"
    for component in name.split("/"):
        if component.startswith(".") or component.endswith(".lock"):
            return "a path component begins with '.' or ends with '.lock'"
    return None


def _checked(value: str, info: ValidationInfo) -> str:
    assert info.field_name is not None
    kind = RefKind(info.field_name)
    problem = ref_problem(kind, value)
    if problem is not None:
        raise PydanticCustomError(
            f"git_{kind.value}", "{problem}", {"problem": problem.message, "hint": problem.hint}
        )
    return value.lower() if kind is RefKind.COMMIT else value


def _exactly_one(kinds: list[RefKind]) -> str:
    found = ", ".join(kind.value for kind in kinds) or "none"
    return f"a Git ref needs exactly one of branch, tag, semver or commit (got {found})"


Checked = Annotated[str, AfterValidator(_checked)]


class GitRef(BaseModel):
    """The reference to follow: exactly one of a branch, a tag, a semver range or a commit.

    Frozen and checked when made (``GitRef(branch="main")``, or as ``spec.ref`` of a
    GitSource): a refused value raises pydantic's ``ValidationError`` (a ``ValueError``)
    naming the field, with the rule's message and a hint. A fetch checks again with
    :func:`validate_ref`. A commit is kept in lower case.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, hide_input_in_errors=True)

    branch: Checked | None = None
    tag: Checked | None = None
    semver: Checked | None = None
    commit: Checked | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> Self:
        kinds = [kind for kind in RefKind if getattr(self, kind.value) is not None]
        if len(kinds) != 1:
            raise PydanticCustomError(
                "git_ref_choice",
                "{problem}",
                {
                    "problem": _exactly_one(kinds),
                    "hint": "keep one of them; leave out ref entirely to follow branch main",
                },
            )
        return self

    @property
    def kind(self) -> RefKind:
        """The one kind of reference that is set."""
        return next(kind for kind in RefKind if getattr(self, kind.value) is not None)

    @property
    def value(self) -> str:
        """The branch name, tag name, semver range or commit id that is set."""
        value = getattr(self, self.kind.value)
        assert isinstance(value, str)
        return value

    def describe(self) -> str:
        """The ref as people write it, e.g. ``branch main`` or ``semver ">=1.0.0 <2.0.0"``."""
        if self.kind is RefKind.SEMVER:
            return f'semver "{self.value}"'
        return f"{self.kind.value} {self.value}"

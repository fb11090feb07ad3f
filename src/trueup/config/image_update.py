"""``ImageUpdate``: where trueup writes the images its ImagePolicies select, and how.

::

    kind: ImageUpdate
    metadata: {name: deploy-repo}
    spec:
      source: deploy              # a GitSource with spec.write, following a branch
      path: apps                  # only files under it are edited ('.' for all)
      interval: 5m                # also run at once when a scan changes the tags
      push:
        branch: main              # default: the source's branch; another one is an
                                  # update branch trueup owns ("trueup/{policy}": one per policy)
        pullRequest:              # only with an update branch
          provider: github        # github | gitlab | gitea
          address: https://github.com/org/deploy   # the repository's web page
          apiURL: https://github.example.test/api/v3  # optional, when not the usual one
          secretRef: {name: forge-token}           # key: token
          title: "Update images in {update}"       # optional
          base: main              # optional: the branch to merge into (the source's)
      commit:
        author: {name: trueup, email: trueup@example.test}  # default: the source's write author
        messageTemplate: "Update images\\n\\n{images}"        # optional

Templates are text with ``{field}`` placeholders and nothing else (``{{`` and ``}}`` for
braces): no attribute access, no format specs, no code. :func:`template_fields` checks one
against the fields its place offers, :func:`render` fills it in; the same two functions
serve validation here and the run in :mod:`trueup.imageupdate`.
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from datetime import timedelta
from typing import Annotated, Final, Literal, Self

from pydantic import AfterValidator, Field, model_validator
from pydantic_core import PydanticCustomError

from trueup.config.duration import PositiveDuration
from trueup.config.gitsource import CommitAuthor
from trueup.config.meta import (
    API_VERSION,
    ConfigModel,
    ConfigObject,
    Name,
    SecretRef,
    check_repo_path,
)
from trueup.config.provider import TOKEN, HttpUrl
from trueup.forge.address import AddressError, repository_of
from trueup.forge.model import ForgeKind
from trueup.gitspec import RefKind, ref_problem

PR_TOKEN: Final = TOKEN
"""Key of the forge API token in the Secret of ``push.pullRequest.secretRef``."""

MESSAGE_FIELDS: Final = ("update", "source", "branch", "path", "images", "changes", "count")
"""What a commit message or pull-request title may name: the ImageUpdate's name, the
GitSource's name, the branch written to, ``spec.path``, one ``- policy: old → new`` line
per image, one ``- file:line: old → new`` line per changed field, and how many fields."""
BRANCH_FIELDS: Final = ("update", "policy")
"""What a branch template may name: the ImageUpdate's name and, for one branch per
policy, the policy's name."""

DEFAULT_MESSAGE: Final = "Update images in {path}\n\n{images}\n\nChanged fields:\n{changes}"
DEFAULT_TITLE: Final = "Update images in {path} ({update})"


class TemplateError(ValueError):
    """A template that names an unknown field or uses more than ``{field}``."""


def template_fields(text: str, allowed: tuple[str, ...]) -> frozenset[str]:
    """The fields ``text`` names; :class:`TemplateError` for anything but plain ``{field}``
    placeholders of ``allowed`` (or for unbalanced braces)."""
    named: set[str] = set()
    try:
        parsed = list(string.Formatter().parse(text))
    except ValueError as e:
        raise TemplateError(
            f"the template's braces do not match ({e}); write {{{{ for a brace"
        ) from None
    for _literal, name, spec, conversion in parsed:
        if name is None:
            continue
        if name not in allowed or spec or conversion:
            raise TemplateError(
                f"'{{{name[:40]}}}' is not a field of this template (known: "
                f"{', '.join('{' + a + '}' for a in allowed)}; no format specs or conversions)"
            )
        named.add(name)
    return frozenset(named)


def render(text: str, values: Mapping[str, str]) -> str:
    """``text`` with each ``{field}`` replaced by ``values[field]`` (checked templates only)."""
    out: list[str] = []
    for literal, name, _spec, _conversion in string.Formatter().parse(text):
        out.append(literal)
        if name is not None:
            out.append(values[name])
    return "".join(out)


def _checked(allowed: tuple[str, ...], example: str) -> AfterValidator:
    def check(value: str) -> str:
        try:
            template_fields(value, allowed)
        except TemplateError as e:
            raise PydanticCustomError(
                "image_update_template", "{reason}", {"reason": str(e), "hint": example}
            ) from None
        if not value.strip():
            raise PydanticCustomError(
                "image_update_template", "the template is empty", {"hint": example}
            )
        return value

    return AfterValidator(check)


def _branch_template(value: str) -> str:
    try:
        template_fields(value, BRANCH_FIELDS)
    except TemplateError as e:
        raise PydanticCustomError(
            "image_update_branch",
            "{reason}",
            {"reason": str(e), "hint": "write a branch such as main or trueup/{policy}"},
        ) from None
    sample = render(value, {"update": "update", "policy": "policy"})
    problem = ref_problem(RefKind.BRANCH, sample)
    if problem is not None:
        raise PydanticCustomError(
            "image_update_branch",
            "the branch {problem}",
            {"problem": problem.message, "hint": problem.hint},
        )
    return value


class PullRequest(ConfigModel):
    """``push.pullRequest``: open (or update in place) a pull request from the update branch."""

    provider: ForgeKind
    address: HttpUrl
    """The repository's web page: ``https://host/owner/name`` (GitLab: ``…/group/project``)."""
    api_url: HttpUrl | None = Field(default=None, alias="apiURL")
    """The forge's API root, when not the usual one for the address's host."""
    secret_ref: SecretRef
    """A Secret holding the API token under the key ``token``."""
    title: Annotated[
        str, _checked(MESSAGE_FIELDS, "write a title such as 'Update images in {path}'")
    ] = DEFAULT_TITLE
    base: str | None = None
    """The branch the pull request merges into, and the update branch starts from; the
    source's branch when left out."""

    @model_validator(mode="after")
    def _a_repository(self) -> Self:
        try:
            repository_of(self.provider, self.address, self.api_url)
        except AddressError as e:
            raise PydanticCustomError(
                "image_update_forge",
                "{problem}",
                {
                    "problem": str(e),
                    "hint": "write the repository's web URL, https://host/owner/name",
                },
            ) from e
        if self.base is not None and (problem := ref_problem(RefKind.BRANCH, self.base)):
            raise PydanticCustomError(
                "image_update_base",
                "base {problem}",
                {"problem": problem.message, "hint": problem.hint},
            )
        return self


class Push(ConfigModel):
    """``spec.push``: the branch to push to, and an optional pull request from it."""

    branch: Annotated[str, AfterValidator(_branch_template)] | None = None
    """A branch template; the source's branch when left out. Any other branch is an update
    branch trueup creates and owns: rebuilt on the source's branch at each change."""
    pull_request: PullRequest | None = None

    @property
    def per_policy(self) -> bool:
        """One update branch (and pull request) per ImagePolicy: the branch names ``{policy}``."""
        return self.branch is not None and "policy" in template_fields(self.branch, BRANCH_FIELDS)


class Commit(ConfigModel):
    """``spec.commit``: who commits, and the message."""

    author: CommitAuthor | None = None
    """Author and committer; the GitSource's ``spec.write.author`` when left out."""
    message_template: Annotated[
        str, _checked(MESSAGE_FIELDS, "write e.g. 'Update images\\n\\n{images}'")
    ] = DEFAULT_MESSAGE


def _path(value: str) -> str:
    return check_repo_path(value, "./apps")


class ImageUpdateSpec(ConfigModel):
    """``spec`` of an ``ImageUpdate``."""

    source: Name
    """A GitSource in the same namespace, with ``spec.write``, following a branch."""
    path: Annotated[str, AfterValidator(_path)] = "."
    interval: PositiveDuration = timedelta(minutes=5)
    """How often the daemon runs the update; a scan that changes an image's tags runs it
    at once too."""
    push: Push = Field(default_factory=Push)
    commit: Commit = Field(default_factory=Commit)

    @model_validator(mode="after")
    def _per_policy_needs_a_branch(self) -> Self:
        if self.push.pull_request is not None and self.push.branch is None:
            raise PydanticCustomError(
                "image_update_pull_request",
                "a pull request needs an update branch of its own",
                {"hint": "set push.branch, such as trueup/{policy} or trueup/images"},
            )
        return self


class ImageUpdate(ConfigObject):
    """Which GitSource and path get the selected images, and where the commit goes."""

    api_version: Literal["trueup.dev/v1alpha1"] = API_VERSION
    kind: Literal["ImageUpdate"] = "ImageUpdate"
    spec: ImageUpdateSpec

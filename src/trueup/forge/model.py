"""What trueup reads from and writes to a forge, whichever forge it is: typed, frozen values.

The three forges name the same things differently (a GitLab merge request is a GitHub pull
request, a GitLab note a comment, GitLab's commit state ``failed`` GitHub's ``failure``);
these types use one vocabulary, and each client (:mod:`trueup.forge.github`,
:mod:`~trueup.forge.gitlab`, :mod:`~trueup.forge.gitea`) translates at its edge.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class ForgeKind(StrEnum):
    """Which forge's REST API a repository is served by."""

    GITHUB = "github"
    GITLAB = "gitlab"
    GITEA = "gitea"


class CommitState(StrEnum):
    """The state of a commit status, in GitHub's and Gitea's words (GitLab's are mapped)."""

    PENDING = "pending"
    SUCCESS = "success"
    FAILURE = "failure"
    ERROR = "error"


@dataclass(frozen=True, slots=True)
class Repository:
    """One repository on one forge, and the REST API that serves it.

    ``path`` is ``owner/name`` on GitHub and Gitea, ``group/subgroup/project`` on GitLab.
    ``api_url`` is the API root without a trailing slash: ``https://api.github.com``,
    ``https://github.example.test/api/v3``, ``https://gitlab.example.test/api/v4``,
    ``https://gitea.example.test/api/v1``.
    """

    kind: ForgeKind
    api_url: str
    path: str

    def __str__(self) -> str:
        return f"{self.kind.value} {self.path}"


@dataclass(frozen=True, slots=True)
class CommitStatus:
    """One status of one commit: ``context`` tells reporters apart (the forge keeps the
    latest status per context)."""

    sha: str
    state: CommitState
    context: str
    description: str = ""
    target_url: str | None = None


@dataclass(frozen=True, slots=True)
class PullRequest:
    """An open pull request (a merge request on GitLab). ``number`` is what the forge's
    URLs use: GitHub's and Gitea's number, GitLab's ``iid``."""

    number: int
    head: str
    """The branch it merges from (GitLab: ``source_branch``)."""
    base: str
    """The branch it merges into (GitLab: ``target_branch``)."""
    title: str
    body: str
    url: str = ""
    """Its page on the forge, when the forge said."""


@dataclass(frozen=True, slots=True)
class Comment:
    """One comment on a pull request (a note on a GitLab merge request)."""

    id: int
    body: str


def comment_of(item: Any) -> Comment:
    """A comment (or GitLab note) as a forge's API answers it: ``id`` and ``body``."""
    return Comment(int(item["id"]), str(item.get("body") or ""))

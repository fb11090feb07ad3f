"""A repository's web URL, and the API root derived from it."""

from __future__ import annotations

import pytest

from trueup.forge import AddressError, ForgeKind, Repository, repository_of


@pytest.mark.parametrize(
    ("kind", "address", "api_url", "expected"),
    [
        (ForgeKind.GITHUB, "https://github.com/org/deploy", None, "https://api.github.com"),
        (
            ForgeKind.GITHUB,
            "https://github.example.test/org/deploy.git",
            None,
            "https://github.example.test/api/v3",
        ),
        (
            ForgeKind.GITLAB,
            "https://gitlab.example.test/group/sub/deploy",
            None,
            "https://gitlab.example.test/api/v4",
        ),
        (
            ForgeKind.GITEA,
            "https://gitea.example.test:3000/org/deploy/",
            None,
            "https://gitea.example.test:3000/api/v1",
        ),
        (
            ForgeKind.GITEA,
            "https://git.example.test/org/deploy",
            "https://api.example.test/gitea/api/v1/",
            "https://api.example.test/gitea/api/v1",
        ),
        (
            ForgeKind.GITHUB,
            "http://127.0.0.1:9480/org/deploy",
            None,
            "http://127.0.0.1:9480/api/v3",
        ),
    ],
)
def test_the_api_root_follows_from_the_address_unless_given(
    kind: ForgeKind, address: str, api_url: str | None, expected: str
) -> None:
    repository = repository_of(kind, address, api_url)
    assert repository.api_url == expected
    assert repository.path in ("org/deploy", "group/sub/deploy")


def test_gitlab_keeps_the_whole_group_path() -> None:
    assert repository_of(ForgeKind.GITLAB, "https://gl.example.test/a/b/c/project") == Repository(
        ForgeKind.GITLAB, "https://gl.example.test/api/v4", "a/b/c/project"
    )


@pytest.mark.parametrize(
    ("kind", "address", "problem"),
    [
        (ForgeKind.GITHUB, "https://github.com/org", "must name a repository"),
        (ForgeKind.GITHUB, "https://github.com/a/b/c", "must name a repository"),
        (ForgeKind.GITLAB, "https://gitlab.com/project", "must name a project"),
        (ForgeKind.GITEA, "http://gitea.example.test/org/deploy", "plain http"),
        (ForgeKind.GITHUB, "https://user:secret-pw@github.com/org/deploy", "user:password@"),
        (ForgeKind.GITHUB, "ssh://github.com/org/deploy", "https:// URL"),
        (ForgeKind.GITHUB, "https://github.com/org/../deploy", "'..'"),
        (ForgeKind.GITHUB, "https://github.com/org/deploy?x=1", r"no \?query"),
    ],
)
def test_an_address_that_names_no_repository_is_refused_without_repeating_it(
    kind: ForgeKind, address: str, problem: str
) -> None:
    with pytest.raises(AddressError, match=problem) as refused:
        repository_of(kind, address)
    assert "secret-pw" not in str(refused.value)

"""Repository URLs, ref names and credential combinations are checked before git runs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from trueup.errors import SourceError
from trueup.source import GitAuth, GitRef, GitRepository
from trueup.source.validate import check_ref_name, parse_url, validate_repository

FIXTURES = Path(__file__).parent / "fixtures"
URLS: dict[str, list[dict[str, str]]] = yaml.safe_load((FIXTURES / "urls.yaml").read_text())
REFS: dict[str, list[str]] = yaml.safe_load((FIXTURES / "refs.yaml").read_text())
KEY = "-----BEGIN OPENSSH PRIVATE KEY-----\nabc\n-----END OPENSSH PRIVATE KEY-----\n"


@pytest.mark.parametrize("case", URLS["accepted"], ids=lambda c: c["url"])
def test_an_accepted_url_is_normalised_for_the_cache(case: dict[str, str]) -> None:
    assert parse_url(case["url"], allow_file=True).normalised == case["normalised"]


@pytest.mark.parametrize("case", URLS["refused"], ids=lambda c: repr(c["url"]))
def test_a_refused_url_says_why(case: dict[str, str]) -> None:
    with pytest.raises(SourceError, match=case["error"]):
        parse_url(case["url"], allow_file=True)


def test_spellings_of_one_repository_share_one_cache_key() -> None:
    spellings = ["https://GitHub.com/org/repo.git", "https://github.com:443/org/repo/"]
    keys = {parse_url(url, allow_file=False).cache_key for url in spellings}
    assert len(keys) == 1


def test_local_repositories_are_refused_unless_allowed() -> None:
    for url in ("/srv/git/repo.git", "file:///srv/git/repo.git"):
        with pytest.raises(SourceError, match="does not allow"):
            parse_url(url, allow_file=False)


@pytest.mark.parametrize("name", REFS["refused"], ids=repr)
def test_a_ref_name_git_would_refuse_is_refused(name: str) -> None:
    with pytest.raises(SourceError, match="not valid"):
        check_ref_name(name)


@pytest.mark.parametrize("name", REFS["accepted"])
def test_an_ordinary_ref_name_is_accepted(name: str) -> None:
    check_ref_name(name)


@pytest.mark.parametrize(
    ("ref", "error"),
    [
        (GitRef(commit="abc123"), "40-character"),
        (GitRef(commit="g" * 40), "40-character"),
        (GitRef(commit="--" + "a" * 38), "40-character"),
        (GitRef(semver="latest"), "not a version"),
        (GitRef(tag="v1..2"), "not valid"),
    ],
)
def test_a_bad_ref_value_is_refused(ref: GitRef, error: str) -> None:
    with pytest.raises(SourceError, match=error):
        validate_repository(GitRepository("https://h/r.git", ref), allow_file=False)


@pytest.mark.parametrize(
    ("url", "auth", "error"),
    [
        ("http://127.0.0.1/r.git", GitAuth(token="t0ken"), "only sent over https"),
        ("ssh://git@h/r.git", GitAuth(username="u", password="pass"), "only sent over https"),
        ("/srv/r.git", GitAuth(token="t0ken"), "only sent over https"),
        ("https://h/r.git", GitAuth(ssh_private_key=KEY, ssh_known_hosts="h k v"), "ssh://"),
        ("git@h:r.git", None, "no SSH key"),
    ],
)
def test_credentials_must_fit_the_transport(url: str, auth: GitAuth | None, error: str) -> None:
    with pytest.raises(SourceError, match=error):
        validate_repository(GitRepository(url, GitRef(branch="main"), auth=auth), allow_file=True)


@pytest.mark.parametrize(
    "fields",
    [
        {},
        {"branch": "main", "tag": "v1"},
        {"semver": "*", "commit": "a" * 40},
    ],
)
def test_a_ref_names_exactly_one_kind(fields: dict[str, Any]) -> None:
    with pytest.raises(SourceError, match="exactly one"):
        GitRef(**fields)


@pytest.mark.parametrize(
    "fields",
    [
        {},
        {"token": "t", "username": "u", "password": "p"},
        {"username": "u"},
        {"ssh_private_key": KEY},
        {"token": "  "},
    ],
)
def test_credentials_use_exactly_one_complete_mode(fields: dict[str, Any]) -> None:
    with pytest.raises(SourceError):
        GitAuth(**fields)

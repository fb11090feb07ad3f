"""Repository URLs, refs and credential combinations are checked before git runs.

The rules themselves are :mod:`trueup.gitspec`'s; ``tests/unit/gitspec`` checks that the
configuration and the source apply them alike.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from trueup.errors import SourceError
from trueup.source import GitAuth, GitRef, GitRepository
from trueup.source.validate import parse_url, validate_repository

FIXTURES = Path(__file__).parent / "fixtures"
URLS: dict[str, list[dict[str, str]]] = yaml.safe_load((FIXTURES / "urls.yaml").read_text())
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


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"commit": "abc123"}, "not a full commit id"),
        ({"commit": "g" * 40}, "not a full commit id"),
        ({"commit": "--" + "a" * 38}, "not a full commit id"),
        ({"semver": "latest"}, "not a semver range"),
        ({"tag": "v1..2"}, "not a valid Git ref name"),
        ({"branch": "main", "tag": "v1"}, "exactly one"),
    ],
)
def test_a_bad_ref_is_refused_even_when_built_without_checks(
    fields: dict[str, str], error: str
) -> None:
    with pytest.raises(ValueError, match=error):
        GitRef(**fields)
    unchecked = GitRef.model_construct(_fields_set=None, **fields)
    with pytest.raises(SourceError, match=error):
        validate_repository(GitRepository("https://h/r.git", unchecked), allow_file=False)


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
    with pytest.raises(ValueError, match="exactly one"):
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

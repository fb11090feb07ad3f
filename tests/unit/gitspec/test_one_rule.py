"""The configuration and the source apply one rule to Git URLs and refs.

Every value is checked through both entry points: a GitSource loaded from configuration,
and a repository handed to a fetch. They must agree: whatever loads is fetchable, and
whatever a fetch refuses is refused when the configuration is loaded, with the same words.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import ValidationError

from trueup.config import GitSource
from trueup.errors import SourceError
from trueup.gitspec import GitRef, RefKind, Transport
from trueup.source import GitAuth, GitRepository
from trueup.source.validate import parse_url, validate_repository

FIXTURES = Path(__file__).parents[1] / "source" / "fixtures"
URLS: dict[str, list[dict[str, str]]] = yaml.safe_load((FIXTURES / "urls.yaml").read_text())
REFS: dict[str, list[str]] = yaml.safe_load((FIXTURES / "refs.yaml").read_text())
KEY = "-----BEGIN OPENSSH PRIVATE KEY-----\nabc\n-----END OPENSSH PRIVATE KEY-----\n"
URL = "https://git.example.com/org/repo.git"

# Values the two entry points used to judge differently, and how both judge them now.
URL_CASES: list[tuple[str, str | None]] = [
    ("http://git.example.com/org/repo.git", "plain http"),
    ("https://git.example.com", "names no repository path"),
    ("https://git.example.com/", "names no repository path"),
    ("ssh://git:hunter22@git.example.com/org/repo.git", "carries credentials"),
    ("ssh://-oProxyCommand=x/repo", "no valid host"),
    ("git@git.example.com:-repo", "path beginning with '-'"),
    ("file://relative/repo", "not an absolute path"),
    ("/srv/../etc/repo", "'..'"),
    ("https://git.example.com/" + "a" * 2048, "longer than 2048"),
    ("git.example.com:org/repo.git", None),
    ("http://127.0.0.1:8080/repo.git", None),
]
REF_CASES: list[tuple[RefKind, str, str | None]] = [
    (RefKind.COMMIT, "a" * 64, "not a full commit id"),
    (RefKind.COMMIT, "abc123", "not a full commit id"),
    (RefKind.COMMIT, "A" * 40, None),
    (RefKind.SEMVER, "latest", "not a semver range"),
    (RefKind.SEMVER, "1.2.3.4", "not a semver range"),
    (RefKind.SEMVER, ">=1.0.0 <2.0.0", None),
    (RefKind.BRANCH, "x/branch.lock/y", "ends with '.lock'"),
    (RefKind.BRANCH, "feature/.hidden", "begins with '.'"),
    (RefKind.BRANCH, "@", "is '@'"),
    (RefKind.TAG, "v" + "1" * 255, "longer than 255"),
]
URL_CASES += [(case["url"], None) for case in URLS["accepted"]]
URL_CASES += [(case["url"], case["error"]) for case in URLS["refused"]]
REF_CASES += [
    (kind, name, None) for kind in (RefKind.BRANCH, RefKind.TAG) for name in REFS["accepted"]
]
REF_CASES += [(RefKind.BRANCH, name, "is not a valid Git ref name") for name in REFS["refused"]]


def config_verdict(spec: dict[str, Any]) -> str | None:
    """None if a GitSource with ``spec`` loads, else the message of its first issue."""
    try:
        GitSource.model_validate({"metadata": {"name": "s"}, "spec": spec})
    except ValidationError as e:
        return str(e.errors()[0]["msg"])
    return None


def source_verdict(repo: GitRepository) -> str | None:
    """None if a fetch of ``repo`` would start, else its refusal."""
    try:
        validate_repository(repo, allow_file=True)
    except SourceError as e:
        return str(e)
    return None


@pytest.mark.parametrize(("url", "refusal"), URL_CASES, ids=lambda v: repr(v)[:60])
def test_a_url_is_judged_alike_by_configuration_and_fetch(url: str, refusal: str | None) -> None:
    try:
        ssh = parse_url(url, allow_file=True).transport is Transport.SSH
    except SourceError:
        ssh = False
    auth = GitAuth(ssh_private_key=KEY, ssh_known_hosts="host key") if ssh else None
    spec: dict[str, Any] = {"url": url, **({"secretRef": {"name": "key"}} if ssh else {})}

    in_config = config_verdict(spec)
    at_fetch = source_verdict(GitRepository(url, GitRef(branch="main"), auth=auth))

    if refusal is None:
        assert (in_config, at_fetch) == (None, None)
    else:
        assert in_config is not None
        assert at_fetch is not None
        assert refusal in in_config
        assert refusal in at_fetch
        assert in_config.removeprefix("the URL ") in at_fetch
        assert "hunter22" not in in_config + at_fetch


@pytest.mark.parametrize(("kind", "value", "refusal"), REF_CASES, ids=lambda v: repr(v)[:60])
def test_a_ref_is_judged_alike_by_configuration_and_fetch(
    kind: RefKind, value: str, refusal: str | None
) -> None:
    fields = {kind.value: value}

    in_config = config_verdict({"url": URL, "ref": fields})
    at_fetch = source_verdict(
        GitRepository(URL, GitRef.model_construct(_fields_set=None, **fields))
    )

    if refusal is None:
        assert (in_config, at_fetch) == (None, None)
        assert GitRef(**fields).value == (value.lower() if kind is RefKind.COMMIT else value)
    else:
        assert in_config is not None
        assert at_fetch is not None
        assert refusal in in_config
        assert in_config in at_fetch
        with pytest.raises(ValueError, match="not"):
            GitRef(**fields)


def test_the_configuration_and_the_fetch_share_one_git_ref_type() -> None:
    import trueup.config
    import trueup.source

    assert trueup.config.GitRef is trueup.source.GitRef is GitRef
    spec = GitSource.model_validate(
        {"metadata": {"name": "s"}, "spec": {"url": URL, "ref": {"commit": "A" * 40}}}
    ).spec
    assert spec.ref == GitRef(commit="a" * 40)


@pytest.mark.parametrize(
    ("url", "secret", "auth", "config_refusal", "fetch_refusal"),
    [
        ("git@git.example.com:org/repo.git", False, None, "needs a private key", "no SSH key"),
        (
            "http://127.0.0.1:8080/repo.git",
            True,
            GitAuth(token="t0ken"),
            "never sent over plain http",
            "only sent over https",
        ),
        ("/srv/git/repo.git", True, GitAuth(token="t0ken"), "takes no credentials", "only sent"),
    ],
)
def test_credentials_that_cannot_be_used_are_refused_by_both(
    url: str, secret: bool, auth: GitAuth | None, config_refusal: str, fetch_refusal: str
) -> None:
    spec: dict[str, Any] = {"url": url, **({"secretRef": {"name": "creds"}} if secret else {})}

    in_config = config_verdict(spec)
    at_fetch = source_verdict(GitRepository(url, GitRef(branch="main"), auth=auth))

    assert in_config is not None
    assert config_refusal in in_config
    assert at_fetch is not None
    assert fetch_refusal in at_fetch

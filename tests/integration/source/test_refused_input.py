"""Hostile refs and URLs are refused before git runs; secrets never reach a message."""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path

import pytest

from tests.integration.source.helpers import live_processes_mentioning, over_https, untouched
from tests.servers.fixtures import HTTP_USER, ServedRepo
from tests.servers.git_http import Fault, GitHttpServer
from trueup.errors import SourceError, TrueupError
from trueup.source import GitAuth, GitFetcher, GitRef, GitRepository

pytestmark = pytest.mark.anyio

CANARY = "canary-5e1f0d2c7b9a4e63"
PWNED = Path("/tmp/trueup-pwned")


@pytest.mark.parametrize(
    "fields",
    [
        {"branch": "-oProxyCommand=touch /tmp/trueup-pwned"},
        {"branch": "main..x"},
        {"tag": "--upload-pack=touch /tmp/trueup-pwned"},
        {"semver": "-1.0.0"},
        {"commit": "--help"},
    ],
    ids=["branch-option", "branch-dotdot", "tag-option", "semver-option", "commit-option"],
)
async def test_a_hostile_ref_is_refused_before_git_contacts_the_server(
    git_https: GitHttpServer, git_repo: ServedRepo, tmp_path: Path, fields: dict[str, str]
) -> None:
    with pytest.raises(ValueError, match="not"):
        GitRef(**fields)
    # A ref that skipped the checks when it was made is refused by the fetch all the same.
    ref = GitRef.model_construct(_fields_set=None, **fields)
    with pytest.raises(SourceError):
        await GitFetcher(tmp_path).fetch(over_https(git_https, git_repo, ref))
    assert git_https.requests == []
    assert not pwned()
    assert untouched(tmp_path)  # not even the cache was created


@pytest.mark.parametrize(
    "url",
    [
        "ext::sh -c touch% /tmp/trueup-pwned",
        "ext::sh",
        "fd::7",
        "ssh://-oProxyCommand=touch%20/tmp/trueup-pwned/repo.git",
        "git://127.0.0.1/repo.git",
        "-u/tmp/x",
    ],
)
async def test_a_hostile_url_is_refused_before_git_runs(tmp_path: Path, url: str) -> None:
    with pytest.raises(SourceError):
        await GitFetcher(tmp_path).fetch(GitRepository(url, GitRef(branch="main")))
    assert not pwned()
    assert untouched(tmp_path)


async def test_a_token_never_appears_in_any_error(
    git_https: GitHttpServer, git_repo: ServedRepo, tmp_path: Path
) -> None:
    fetcher = GitFetcher(tmp_path, timeout=1.5)
    attempts = [
        (Fault.NONE, GitAuth(token=CANARY)),
        (Fault.NONE, GitAuth(username=HTTP_USER, password=CANARY)),
        (Fault.ERROR_500, GitAuth(token=CANARY)),
        (Fault.HANG, GitAuth(username=HTTP_USER, password=CANARY)),
    ]
    errors: list[TrueupError] = []
    for fault, auth in attempts:
        git_https.set_fault(fault)
        with pytest.raises(TrueupError) as raised:
            await fetcher.fetch(over_https(git_https, git_repo, auth=auth))
        errors.append(raised.value)
    git_https.set_fault(Fault.NONE)
    url = git_https.url(git_repo.name).replace("https://", f"https://{HTTP_USER}:{CANARY}@")
    with pytest.raises(SourceError) as raised:
        await fetcher.fetch(GitRepository(url, GitRef(branch="main")))
    errors.append(raised.value)
    assert len(errors) == 5
    for error in errors:
        for text in _texts(error):
            assert CANARY not in text
    assert f"{HTTP_USER}:***@" in str(errors[-1])
    assert CANARY not in repr(GitAuth(token=CANARY))
    assert leftover_key_files() == []


async def test_credentials_never_appear_on_a_command_line(
    git_https: GitHttpServer, git_repo: ServedRepo, tmp_path: Path
) -> None:
    git_https.set_fault(Fault.HANG)
    source = over_https(git_https, git_repo, auth=GitAuth(token=CANARY))
    task = asyncio.create_task(GitFetcher(tmp_path).fetch(source))
    for _ in range(500):  # wait (at most 10 s) until git is talking to the server
        if git_https.requests:
            break
        await asyncio.sleep(0.02)
    running = live_processes_mentioning(f":{git_https.port}/")
    task.cancel()
    await asyncio.wait({task}, timeout=5)
    assert running  # git was really running while we looked
    assert [cmd for cmd in running if CANARY in cmd] == []
    assert live_processes_mentioning(CANARY) == []


def pwned() -> bool:
    """Whether an injected command ran."""
    return PWNED.exists()


def leftover_key_files() -> list[Path]:
    """Credential files a fetch forgot in its scratch directory."""
    scratch = Path(tempfile.gettempdir())
    return [*scratch.glob("trueup-git-*/id"), *scratch.glob("trueup-git-*/known_hosts")]


def _texts(error: BaseException) -> list[str]:
    """The message, repr and args of an error and of every error chained to it."""
    texts: list[str] = []
    current: BaseException | None = error
    while current is not None:
        texts += [str(current), repr(current), *map(str, current.args)]
        current = current.__cause__ or current.__context__
    return texts

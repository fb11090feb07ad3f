"""A Git server that fails, lies or hangs makes the fetch temporary-failed, never wrong."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from tests.integration.source.helpers import checkouts, live_processes_mentioning, over_https
from tests.servers.fixtures import ServedRepo
from tests.servers.git_http import Fault, GitHttpServer
from trueup.errors import SourceError, SourceUnavailableError
from trueup.source import GitFetcher

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize(
    ("fault", "message"),
    [
        (Fault.ERROR_500, "returned error: 500"),
        (Fault.HTML_200, "did not answer with Git"),
        (Fault.HANG, "timed out after 1.5s"),
        (Fault.DOWN, "Failed to connect"),
    ],
)
async def test_a_failing_server_is_a_temporary_error_and_nothing_is_checked_out(
    git_https: GitHttpServer, git_repo: ServedRepo, tmp_path: Path, fault: Fault, message: str
) -> None:
    git_https.set_fault(fault)
    with pytest.raises(SourceUnavailableError, match=message) as raised:
        await GitFetcher(tmp_path, timeout=1.5).fetch(over_https(git_https, git_repo))
    assert "<html" not in str(raised.value)
    assert checkouts(tmp_path) == []


async def test_an_error_page_is_not_mistaken_for_a_missing_branch(
    git_https: GitHttpServer, git_repo: ServedRepo, tmp_path: Path
) -> None:
    git_https.set_fault(Fault.HTML_200)
    with pytest.raises(SourceUnavailableError) as raised:
        await GitFetcher(tmp_path).fetch(over_https(git_https, git_repo))
    assert not isinstance(raised.value, SourceError)


async def test_cancelling_a_fetch_kills_the_git_processes(
    git_https: GitHttpServer, git_repo: ServedRepo, tmp_path: Path
) -> None:
    git_https.set_fault(Fault.HANG)
    task = asyncio.create_task(GitFetcher(tmp_path).fetch(over_https(git_https, git_repo)))
    for _ in range(500):  # wait (at most 10 s) until git is really talking to the server
        if git_https.requests:
            break
        await asyncio.sleep(0.02)
    assert live_processes_mentioning(f":{git_https.port}/")
    task.cancel()
    # The hang lasts 20 s: a fetch that merely waited for git would still be waiting.
    done, _ = await asyncio.wait({task}, timeout=5)
    assert done == {task}
    assert task.cancelled()
    assert live_processes_mentioning(f":{git_https.port}/") == []

"""Pushing commits through the one Git writer to real servers: smart HTTPS (basic and
token), plain loopback HTTP and sshd; re-applying after a concurrent push, refusals by
server-side hooks, no-op edits, and where temporary files go."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest

from tests.integration.gitwrite.helpers import (
    BOT,
    bare_git,
    first_parent_subjects,
    head,
    leftovers,
    over_https,
    show,
    writes,
)
from tests.integration.source.helpers import live_processes_mentioning
from tests.servers.fixtures import HTTP_PASSWORD, HTTP_TOKEN, HTTP_USER, ServedRepo, SshAccess
from tests.servers.git_http import Fault, GitHttpServer
from trueup.errors import (
    PushConflictError,
    PushRejectedError,
    SourceError,
    SourceUnavailableError,
)
from trueup.gitwrite import WritableRepository, WriteRequest, write
from trueup.source import GitAuth, GitRef, GitRepository
from trueup.source.redact import basic_credentials

pytestmark = pytest.mark.anyio


@pytest.fixture
def scratch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Where the writer's temporary directories go during the test."""
    directory = tmp_path / "scratch"
    directory.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(directory))
    return directory


async def test_a_commit_arrives_with_author_content_and_message(
    git_https: GitHttpServer, git_repo: ServedRepo, scratch: Path
) -> None:
    before = head(git_repo.bare)
    message = "Scale the app to 3\n\nAsked for by alice."
    edit = writes({"app/config.yaml": "replicas: 3\n", "app/new.yaml": "kind: X\n"})
    result = await write(over_https(git_https, git_repo), WriteRequest("main", message, edit))
    assert result.pushed
    assert result.attempts == 1
    assert result.parent == before
    assert result.commit == head(git_repo.bare)
    assert show(git_repo.bare, "app/config.yaml") == "replicas: 3"
    assert show(git_repo.bare, "app/new.yaml") == "kind: X"
    people = bare_git(git_repo.bare, "log", "-1", "--format=%an|%ae|%cn|%ce|%P", result.commit)
    assert people == f"{BOT.name}|{BOT.email}|{BOT.name}|{BOT.email}|{before}"
    assert bare_git(git_repo.bare, "log", "-1", "--format=%B", result.commit) == message
    assert leftovers(scratch) == []  # work tree and credentials are gone


async def test_a_token_pushes_over_https(
    git_https: GitHttpServer, git_repo: ServedRepo, scratch: Path
) -> None:
    writable = over_https(git_https, git_repo, auth=GitAuth(token=HTTP_TOKEN))
    edit = writes({"app/config.yaml": "replicas: 2\n"})
    result = await write(writable, WriteRequest("main", "two", edit))
    assert result.pushed
    assert show(git_repo.bare, "app/config.yaml") == "replicas: 2"
    assert leftovers(scratch) == []


async def test_an_ssh_key_pushes_over_ssh(sshd_server: SshAccess, git_repo: ServedRepo) -> None:
    auth = GitAuth(ssh_private_key=sshd_server.private_key, ssh_known_hosts=sshd_server.known_hosts)
    source = GitRepository(sshd_server.server.url(git_repo.bare), GitRef(branch="main"), auth=auth)
    edit = writes({"app/config.yaml": "replicas: 4\n"})
    result = await write(WritableRepository(source, author=BOT), WriteRequest("main", "ssh", edit))
    assert result.pushed
    assert head(git_repo.bare) == result.commit
    assert show(git_repo.bare, "app/config.yaml") == "replicas: 4"


async def test_plain_loopback_http_pushes_without_credentials(
    git_http: GitHttpServer, git_repo: ServedRepo
) -> None:
    source = GitRepository(git_http.url(git_repo.name), GitRef(branch="main"))
    edit = writes({"app/config.yaml": "replicas: 5\n"})
    result = await write(WritableRepository(source), WriteRequest("main", "http", edit))
    assert result.pushed
    assert show(git_repo.bare, "app/config.yaml") == "replicas: 5"
    author = bare_git(git_repo.bare, "log", "-1", "--format=%an <%ae>", result.commit)
    assert author == "trueup <trueup@localhost>"


async def test_a_concurrent_push_is_fetched_and_the_change_reapplied_on_top(
    git_https: GitHttpServer, git_repo: ServedRepo
) -> None:
    seen: list[str] = []

    async def edit(tree: Path) -> bool:
        seen.append((tree / "app/config.yaml").read_text())
        if len(seen) == 1:  # someone else pushes while trueup works
            git_repo.commit_and_push("someone else", {"app/other.yaml": "theirs: true\n"})
        (tree / "app/config.yaml").write_text("replicas: 7\n")
        return True

    # The message is written after each edit, so it describes the change that landed.
    request = WriteRequest("main", lambda: f"mine, after {len(seen)} edits", edit)
    result = await write(over_https(git_https, git_repo), request)
    assert result.pushed
    assert result.attempts == 2
    assert len(seen) == 2
    theirs = git_repo.work.head()
    assert result.parent == theirs
    assert head(git_repo.bare) == result.commit
    assert show(git_repo.bare, "app/config.yaml") == "replicas: 7"
    assert show(git_repo.bare, "app/other.yaml") == "theirs: true"
    subjects = first_parent_subjects(git_repo.bare)
    assert subjects == ["mine, after 2 edits", "someone else", "initial commit"]


async def test_retries_run_out_with_a_conflict_and_their_commits_stay(
    git_https: GitHttpServer, git_repo: ServedRepo, scratch: Path
) -> None:
    calls = 0

    async def edit(tree: Path) -> bool:
        nonlocal calls
        calls += 1
        git_repo.commit_and_push(f"theirs {calls}", {"app/other.yaml": f"n: {calls}\n"})
        (tree / "app/config.yaml").write_text("replicas: 9\n")
        return True

    writable = over_https(git_https, git_repo, retries=2)
    with pytest.raises(PushConflictError, match="rejected 3 time"):
        await write(writable, WriteRequest("main", "mine", edit))
    assert calls == 3
    assert head(git_repo.bare) == git_repo.work.head()
    assert show(git_repo.bare, "app/config.yaml") == "replicas: 1"
    assert leftovers(scratch) == []


REFUSE_MAIN = {
    "pre-receive": "#!/bin/sh\necho 'main is protected' >&2\nexit 1\n",
    "update": (
        '#!/bin/sh\nif [ "$1" = refs/heads/main ]; then echo "main is protected" >&2; exit 1; fi\n'
    ),
}


@pytest.mark.parametrize("hook", sorted(REFUSE_MAIN))
async def test_a_branch_protected_by_a_server_hook_is_refused_not_retried_nor_forced(
    git_https: GitHttpServer, git_repo: ServedRepo, scratch: Path, hook: str
) -> None:
    path = git_repo.bare / "hooks" / hook
    path.write_text(REFUSE_MAIN[hook])
    path.chmod(0o755)
    before = head(git_repo.bare)
    calls = 0

    async def edit(tree: Path) -> bool:
        nonlocal calls
        calls += 1
        (tree / "app/config.yaml").write_text("replicas: 8\n")
        return True

    with pytest.raises(PushRejectedError, match=r"refused by the server: .*hook declined"):
        await write(over_https(git_https, git_repo), WriteRequest("main", "mine", edit))
    assert calls == 1
    assert head(git_repo.bare) == before
    assert first_parent_subjects(git_repo.bare) == ["initial commit"]
    assert leftovers(scratch) == []


async def test_nothing_to_change_makes_no_commit(
    git_https: GitHttpServer, git_repo: ServedRepo
) -> None:
    before = head(git_repo.bare)

    async def declines(_: Path) -> bool:
        return False

    same = writes({"app/config.yaml": "replicas: 1\n"})  # says "changed", changes nothing
    writable = over_https(git_https, git_repo)
    for edit in (declines, same):
        result = await write(writable, WriteRequest("main", "nothing", edit))
        assert not result.pushed
        assert result.attempts == 0
        assert result.commit == result.parent == before
    assert head(git_repo.bare) == before
    pushes = [r for r in git_https.requests if "receive-pack" in r.path]
    assert pushes == []


@pytest.mark.parametrize(
    "auth",
    [
        GitAuth(username=HTTP_USER, password="wrong-" + HTTP_PASSWORD),
        GitAuth(token="wrong-" + HTTP_TOKEN),
    ],
    ids=["basic", "token"],
)
async def test_refused_write_credentials_never_appear_in_the_error(
    git_https: GitHttpServer, git_repo: ServedRepo, auth: GitAuth
) -> None:
    with pytest.raises(PushRejectedError) as caught:
        await write(
            over_https(git_https, git_repo, auth=auth),
            WriteRequest("main", "m", writes({"a": "b"})),
        )
    text = f"{caught.value} {caught.value!r}"
    assert "spec.write.secretRef" in text or "credentials" in text
    secrets = [s for s in auth.secrets()]
    if auth.password is not None:
        secrets.append(basic_credentials(HTTP_USER, auth.password))
    for secret in secrets:
        assert secret not in text


async def test_a_hanging_server_times_out_and_leaves_no_process_or_file(
    git_https: GitHttpServer, git_repo: ServedRepo, scratch: Path
) -> None:
    writable = over_https(git_https, git_repo, timeout=2)
    git_https.set_fault(Fault.HANG)
    with pytest.raises(SourceUnavailableError, match="timed out"):
        await write(writable, WriteRequest("main", "m", writes({"a": "b"})))
    git_https.set_fault(Fault.NONE)
    assert live_processes_mentioning(git_https.url(git_repo.name)) == []
    assert leftovers(scratch) == []


async def test_a_missing_branch_is_not_created_by_a_normal_write(
    git_https: GitHttpServer, git_repo: ServedRepo
) -> None:
    with pytest.raises(SourceError, match=r"fetching branch 'nope'.*check the repository URL"):
        await write(over_https(git_https, git_repo), WriteRequest("nope", "m", writes({"a": "b"})))
    assert bare_git(git_repo.bare, "for-each-ref", "--format=%(refname)") == "refs/heads/main"

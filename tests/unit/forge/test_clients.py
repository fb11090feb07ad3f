"""The three forge clients against the local forge stub, a real HTTP server on loopback.

Each test runs for GitHub, GitLab and Gitea: the same calls, each in its forge's shape
(the stub answers only the shape its forge would, so a wrong path, method, field or auth
header fails here).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from functools import partial

import httpx
import pytest

from tests.servers.forge import ForgeStub
from trueup.errors import ForgeError, ForgeUnavailableError
from trueup.forge import (
    CommitState,
    CommitStatus,
    Forge,
    ForgeKind,
    PullRequest,
    open_forge,
    repository_of,
    upsert_comment,
    upsert_pull_request,
)

pytestmark = pytest.mark.anyio

SHA = "0123456789abcdef0123456789abcdef01234567"
REPOS = {
    ForgeKind.GITHUB: "org/deploy",
    ForgeKind.GITLAB: "group/sub/deploy",
    ForgeKind.GITEA: "org/deploy",
}


@pytest.fixture(params=list(ForgeKind), ids=lambda k: k.value)
def kind(request: pytest.FixtureRequest) -> ForgeKind:
    return ForgeKind(request.param)


@pytest.fixture
async def forge(forge_stub: ForgeStub, kind: ForgeKind) -> AsyncIterator[Forge]:
    repository = repository_of(kind, f"{forge_stub.url}/{REPOS[kind]}")
    client = open_forge(repository, forge_stub.token, timeout=10)
    yield client
    await client.aclose()


async def test_a_status_is_posted_in_the_forges_shape_and_read_back(
    forge: Forge, forge_stub: ForgeStub, kind: ForgeKind
) -> None:
    await forge.post_status(
        CommitStatus(SHA, CommitState.FAILURE, "trueup/east/web", "reconcile failed", None)
    )
    await forge.post_status(CommitStatus(SHA, CommitState.SUCCESS, "trueup/east/web", "ok"))

    stored = forge_stub.statuses(kind.value, REPOS[kind], SHA)
    # GitLab's word for failure is "failed": the client translated it on the way out.
    failed = "failed" if kind is ForgeKind.GITLAB else "failure"
    assert [(s.state, s.context) for s in stored] == [
        (failed, "trueup/east/web"),
        ("success", "trueup/east/web"),
    ]
    read = await forge.statuses(SHA)
    assert [(s.state, s.context) for s in read] == [
        (CommitState.SUCCESS, "trueup/east/web"),
        (CommitState.FAILURE, "trueup/east/web"),
    ]
    assert f"status {kind.value} {REPOS[kind]} {SHA} trueup/east/web: success" in forge_stub.lines


async def test_a_wrong_token_is_a_permanent_error_that_does_not_show_the_token(
    forge_stub: ForgeStub, kind: ForgeKind
) -> None:
    repository = repository_of(kind, f"{forge_stub.url}/{REPOS[kind]}")
    client = open_forge(repository, "wrong-token-abcdef")
    try:
        with pytest.raises(ForgeError) as refused:
            await client.post_status(CommitStatus(SHA, CommitState.SUCCESS, "c"))
    finally:
        await client.aclose()
    assert refused.value.status == 401
    assert "token was refused" in str(refused.value)
    assert "wrong-token-abcdef" not in str(refused.value)
    assert forge_stub.statuses(kind.value, REPOS[kind], SHA) == []


async def test_a_comment_is_created_once_then_updated_in_place(
    forge: Forge, forge_stub: ForgeStub, kind: ForgeKind
) -> None:
    pull = forge_stub.seed_pull(kind.value, REPOS[kind], "feature")
    # Someone else's comments come first and must be left alone.
    for n in range(3):
        await forge.create_comment(await _pull(forge, "feature"), f"a reviewer says {n}")

    first = await upsert_comment(forge, "feature", "preview", "## Preview\nv1")
    second = await upsert_comment(forge, "feature", "preview", "## Preview\nv2")
    third = await upsert_comment(forge, "feature", "preview", "## Preview\nv2")

    assert (first.action, second.action, third.action) == ("created", "updated", "unchanged")
    assert first.comment.id == second.comment.id == third.comment.id
    notes = forge_stub.notes(kind.value, REPOS[kind], pull.number)
    assert [n.body for n in notes] == [
        "a reviewer says 0",
        "a reviewer says 1",
        "a reviewer says 2",
        "<!-- trueup:preview -->\n## Preview\nv2",
    ]


async def test_the_earlier_comment_is_found_beyond_the_first_page(
    forge: Forge, forge_stub: ForgeStub, kind: ForgeKind
) -> None:
    pull = forge_stub.seed_pull(kind.value, REPOS[kind], "feature")
    opened = await _pull(forge, "feature")
    # 120 earlier comments put trueup's own on the third page (50 a page).
    for n in range(120):
        await forge.create_comment(opened, f"comment {n}")
    await upsert_comment(forge, "feature", "preview", "old")
    lines_before = len(forge_stub.lines)

    result = await upsert_comment(forge, "feature", "preview", "new")

    assert result.action == "updated"
    notes = forge_stub.notes(kind.value, REPOS[kind], pull.number)
    assert len(notes) == 121
    assert notes[-1].body == "<!-- trueup:preview -->\nnew"
    listed = [line for line in forge_stub.lines[lines_before:] if line.startswith("list ")]
    comment_pages = [line for line in listed if "comments" in line or "notes" in line]
    assert len(comment_pages) == 3


async def test_all_pages_of_comments_are_read(
    forge: Forge, forge_stub: ForgeStub, kind: ForgeKind
) -> None:
    forge_stub.seed_pull(kind.value, REPOS[kind], "feature")
    opened = await _pull(forge, "feature")
    for n in range(130):
        await forge.create_comment(opened, f"comment {n}")

    bodies = [c.body async for c in forge.comments(opened)]

    assert bodies == [f"comment {n}" for n in range(130)]


async def test_the_open_pull_request_of_a_branch_is_found_among_many(
    forge: Forge, forge_stub: ForgeStub, kind: ForgeKind
) -> None:
    # Gitea cannot filter by head: the client reads the second page to find the last one.
    for n in range(60):
        forge_stub.seed_pull(kind.value, REPOS[kind], f"topic-{n}")

    found = await forge.open_pull_request("topic-59")

    assert found is not None
    assert (found.number, found.head, found.base) == (60, "topic-59", "main")
    assert await forge.open_pull_request("topic-60") is None


async def test_a_comment_without_an_open_pull_request_is_refused(forge: Forge) -> None:
    with pytest.raises(ForgeError, match="no open pull request from branch 'nowhere'"):
        await upsert_comment(forge, "nowhere", "preview", "text")


async def test_a_pull_request_is_opened_once_and_then_updated(
    forge: Forge, forge_stub: ForgeStub, kind: ForgeKind
) -> None:
    first = await upsert_pull_request(forge, "update/app", "main", "Update app", "1.2.3")
    second = await upsert_pull_request(forge, "update/app", "main", "Update app", "1.2.4")
    third = await upsert_pull_request(forge, "update/app", "main", "Update app", "1.2.4")

    assert (first.action, second.action, third.action) == ("created", "updated", "unchanged")
    assert first.pull.number == second.pull.number
    assert (second.pull.head, second.pull.base, second.pull.body) == (
        "update/app",
        "main",
        "1.2.4",
    )
    pulls = forge_stub.forge.state.pulls(kind.value, REPOS[kind], open_only=False)
    assert len(pulls) == 1


async def test_only_pull_requests_closed_without_a_merge_are_listed_as_closed(
    forge: Forge, forge_stub: ForgeStub, kind: ForgeKind
) -> None:
    state = forge_stub.forge.state
    for branch, merged in [("update/app", True), ("update/app", False), ("other", False)]:
        pull = forge_stub.seed_pull(kind.value, REPOS[kind], branch)
        forge_stub._call(
            partial(
                state.edit_pull, kind.value, REPOS[kind], pull.number, open=False, merged=merged
            )
        )
    forge_stub.seed_pull(kind.value, REPOS[kind], "update/app")

    closed = [p.number async for p in forge.closed_pull_requests("update/app")]

    assert closed == [2]


async def test_a_pull_request_closed_unmerged_is_not_reopened_for_the_same_key(
    forge: Forge, forge_stub: ForgeStub, kind: ForgeKind
) -> None:
    first = await upsert_pull_request(forge, "update/app", "main", "T", "1.2.3", key="k:1")
    assert first.pull.body.startswith("<!-- trueup:k:1 -->\n")
    number = first.pull.number
    forge_stub._call(
        lambda: forge_stub.forge.state.edit_pull(kind.value, REPOS[kind], number, open=False)
    )

    same = await upsert_pull_request(forge, "update/app", "main", "T", "1.2.3", key="k:1")
    other = await upsert_pull_request(forge, "update/app", "main", "T", "1.2.4", key="k:2")

    assert (same.action, same.pull.number) == ("declined", first.pull.number)
    assert other.action == "created"
    assert other.pull.number != first.pull.number


async def test_a_server_error_is_temporary_and_a_refusal_permanent(kind: ForgeKind) -> None:
    answers = iter([httpx.Response(503, headers={"Retry-After": "7"}), httpx.Response(422)])

    def handler(request: httpx.Request) -> httpx.Response:
        return next(answers)

    repository = repository_of(kind, f"https://forge.example.test/{REPOS[kind]}")
    client = open_forge(repository, "t0ken-value", transport=httpx.MockTransport(handler))
    status = CommitStatus(SHA, CommitState.SUCCESS, "c")
    with pytest.raises(ForgeUnavailableError) as busy:
        await client.post_status(status)
    with pytest.raises(ForgeError) as refused:
        await client.post_status(status)
    await client.aclose()
    assert busy.value.retry_after == 7.0
    assert refused.value.status == 422


async def test_a_redirect_is_not_followed(kind: ForgeKind) -> None:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        return httpx.Response(302, headers={"Location": "https://elsewhere.example.test/x"})

    repository = repository_of(kind, f"https://forge.example.test/{REPOS[kind]}")
    client = open_forge(repository, "t0ken-value", transport=httpx.MockTransport(handler))
    with pytest.raises(ForgeError, match="redirect, which is not followed"):
        await client.post_status(CommitStatus(SHA, CommitState.SUCCESS, "c"))
    await client.aclose()
    assert len(seen) == 1


async def test_a_next_page_on_another_host_is_not_followed(kind: ForgeKind) -> None:
    hosts: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        hosts.append(request.url.host)
        return httpx.Response(
            200,
            json=[{"id": 1, "body": "x", "system": False}],
            headers={"Link": '<https://evil.example.test/page2>; rel="next"'},
        )

    repository = repository_of(kind, f"https://forge.example.test/{REPOS[kind]}")
    client = open_forge(repository, "t0ken-value", transport=httpx.MockTransport(handler))
    with pytest.raises(ForgeError, match="another host"):
        [c async for c in client.comments(PullRequest(1, "h", "main", "t", ""))]
    await client.aclose()
    assert hosts == ["forge.example.test"]


async def _pull(forge: Forge, head: str) -> PullRequest:
    pull = await forge.open_pull_request(head)
    assert pull is not None
    return pull

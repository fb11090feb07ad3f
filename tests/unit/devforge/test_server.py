"""The local forge stub: each forge's auth header, seeding, refusals, loopback only."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time

import httpx
import pytest

from tests.servers.forge import ForgeStub
from trueup.devforge import DevForge
from trueup.errors import ConfigError

pytestmark = pytest.mark.anyio

SHA = "0123456789abcdef0123456789abcdef01234567"


@pytest.mark.parametrize(
    ("path", "good", "bad"),
    [
        ("/api/v3/repos/o/r/pulls", {"Authorization": "Bearer {t}"}, {"PRIVATE-TOKEN": "{t}"}),
        ("/api/v3/repos/o/r/pulls", {"Authorization": "token {t}"}, {"Authorization": "{t}"}),
        (
            "/api/v4/projects/g%2Fp/merge_requests",
            {"PRIVATE-TOKEN": "{t}"},
            {"Authorization": "token {t}"},
        ),
        ("/api/v1/repos/o/r/pulls", {"Authorization": "token {t}"}, {"PRIVATE-TOKEN": "{t}"}),
    ],
)
def test_each_forge_takes_the_token_only_the_way_it_expects_it(
    forge_stub: ForgeStub, path: str, good: dict[str, str], bad: dict[str, str]
) -> None:
    def headers(template: dict[str, str]) -> dict[str, str]:
        return {k: v.format(t=forge_stub.token) for k, v in template.items()}

    with httpx.Client(base_url=forge_stub.url) as client:
        assert client.get(path, headers=headers(good)).status_code == 200
        assert client.get(path, headers=headers(bad)).status_code == 401
        wrong = {k: v.replace(forge_stub.token, "nope") for k, v in headers(good).items()}
        assert client.get(path, headers=wrong).status_code == 401


def test_the_admin_call_opens_a_pull_request_that_the_forge_api_then_lists(
    forge_stub: ForgeStub,
) -> None:
    auth = {"Authorization": f"Bearer {forge_stub.token}"}
    with httpx.Client(base_url=forge_stub.url, headers=auth) as client:
        seeded = client.post(
            "/_trueup/pulls", json={"forge": "gitlab", "repo": "group/deploy", "head": "feature"}
        )
        again = client.post(
            "/_trueup/pulls", json={"forge": "gitlab", "repo": "group/deploy", "head": "feature"}
        )
        listed = client.get(
            "/api/v4/projects/group%2Fdeploy/merge_requests",
            params={"state": "opened", "source_branch": "feature"},
            headers={"PRIVATE-TOKEN": forge_stub.token},
        )
    assert seeded.status_code == 201
    assert again.status_code == 422  # one open pull request per head branch
    assert [(m["iid"], m["source_branch"], m["target_branch"]) for m in listed.json()] == [
        (1, "feature", "main")
    ]
    assert "pull gitlab group/deploy #1 opened: feature -> main" in forge_stub.lines


def test_bad_requests_get_the_forges_refusals(forge_stub: ForgeStub) -> None:
    github = {"Authorization": f"Bearer {forge_stub.token}"}
    with httpx.Client(base_url=forge_stub.url) as client:
        bad_state = client.post(
            f"/api/v3/repos/o/r/statuses/{SHA}", json={"state": "done"}, headers=github
        )
        bad_sha = client.post(
            "/api/v3/repos/o/r/statuses/not-a-sha", json={"state": "success"}, headers=github
        )
        no_pull = client.post(
            "/api/v3/repos/o/r/issues/9/comments", json={"body": "x"}, headers=github
        )
        numeric = client.get(
            "/api/v4/projects/42/merge_requests", headers={"PRIVATE-TOKEN": forge_stub.token}
        )
    assert (bad_state.status_code, bad_sha.status_code, no_pull.status_code) == (422, 422, 404)
    assert numeric.status_code == 404
    assert "message" in bad_state.json()


async def test_the_stub_listens_on_loopback_only() -> None:
    with pytest.raises(ConfigError, match="loopback only"):
        await DevForge("t").start("0.0.0.0", 0)  # noqa: S104 - refused on purpose


def test_the_dev_forge_command_prints_its_apis_and_one_line_per_request() -> None:
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "trueup",
            "dev-forge",
            "--listen",
            "127.0.0.1:0",
            "--token",
            "cli-token-1",
            "--pull",
            "gitea:org/deploy:feature",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "NO_COLOR": "1"},
    )
    try:
        assert process.stdout is not None
        lines: list[str] = []
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not any("listening on" in x for x in lines):
            lines.append(process.stdout.readline())
        found = re.search(r"listening on (http://127\.0\.0\.1:\d+)", "".join(lines))
        assert found is not None, lines
        with httpx.Client(base_url=found.group(1)) as client:
            answer = client.post(
                f"/api/v1/repos/org/deploy/statuses/{SHA}",
                json={"state": "success", "context": "trueup/dev/web"},
                headers={"Authorization": "token cli-token-1"},
            )
            pulls = client.get(
                "/api/v1/repos/org/deploy/pulls", headers={"Authorization": "token cli-token-1"}
            )
        assert answer.status_code == 201
        assert [p["head"]["ref"] for p in pulls.json()] == ["feature"]
        printed = [process.stdout.readline().strip() for _ in range(4)]
    finally:
        process.terminate()
        process.wait(timeout=10)
    assert f"status gitea org/deploy {SHA} trueup/dev/web: success" in printed
    assert "pull gitea org/deploy #1 opened: feature -> main" in "".join(lines)

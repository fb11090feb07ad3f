"""Git credentials from a Secret in the configuration: basic auth over real smart HTTPS, and a
key with known_hosts over a real sshd. A credential never shows in any output or in the
store, whether the sync works or not.
"""

from __future__ import annotations

import uuid

import pytest

from tests.integration.engine.helpers import APP, Run, World, https_secret
from tests.servers.fixtures import HTTP_PASSWORD, HTTP_USER, SshAccess
from tests.servers.git_http import GitHttpServer

pytestmark = pytest.mark.cluster


def assert_nowhere(canary: str, world: World, runs: list[Run]) -> None:
    """``canary`` is in no command's stdout or stderr, and in no file of the store."""
    for run in runs:
        assert canary not in run.output, f"the canary leaked into: {run}"
    files = list(world.home.glob(f"{world.store.name}*"))
    assert files, "the store was never written"
    for file in files:
        assert canary.encode() not in file.read_bytes(), f"the canary is in {file.name}"


def test_basic_auth_from_a_secret_fetches_over_https_and_a_wrong_password_fails_clearly(
    world: World, git_https: GitHttpServer
) -> None:
    good = world.cli("sync", APP)
    assert good.code == 0, str(good)
    assert HTTP_USER in {r.user for r in git_https.requests}
    canary = f"canary-{uuid.uuid4().hex}"
    world.secret = https_secret(git_https, password=canary)
    world.write_config()
    git_https.clear_requests()

    bad = world.cli("sync", APP)

    assert bad.code == 1, str(bad)
    assert "error: GitSource/deploy: " in bad.stderr
    assert "check the source's credentials" in bad.stderr
    assert "Traceback" not in bad.output
    assert git_https.requests, "the sync never reached the server"
    assert {r.user for r in git_https.requests} == {None}, "the wrong password was accepted"
    assert world.live("deployment", "web") is not None, "a failed fetch must not prune"
    runs = [good, bad, world.cli("status"), world.cli("history", APP, "-o", "json")]
    assert_nowhere(canary, world, runs)
    assert_nowhere(HTTP_PASSWORD, world, runs)


def test_a_key_and_known_hosts_from_a_secret_fetch_over_ssh(
    world: World, sshd_server: SshAccess
) -> None:
    world.url = sshd_server.server.url(world.repo.bare)
    world.secret = {"identity": sshd_server.private_key, "known_hosts": sshd_server.known_hosts}
    world.write_config()

    run = world.sync("-o", "json")

    assert run.json()["revision"] == world.revision(world.repo.work.head())
    assert world.live("deployment", "web") is not None
    key_body = sshd_server.private_key.strip().splitlines()[1]
    history = world.cli("history", APP, "-o", "json")
    assert_nowhere(key_body, world, [run, history])

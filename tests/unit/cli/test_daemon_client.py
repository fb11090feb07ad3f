"""How the CLI finds a running daemon, what it makes of the daemon's answers, and when it
falls back to the store: announcements next to the store, the API's refusals as clear
errors, reads that fall back and actions that do not."""

from __future__ import annotations

import json
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest

from trueup.cli import via_daemon
from trueup.cli.daemon_client import (
    DaemonClient,
    DaemonUnavailableError,
    Endpoint,
    endpoints,
    read_token,
)
from trueup.cli.discovery import announce, discover, local_url, servers_folder, withdraw
from trueup.cli.settings import Settings
from trueup.errors import ConfigError, PermanentError
from trueup.store import Owner


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    config = tmp_path / "trueup.yaml"
    config.write_text("")
    return Settings(config, tmp_path / "state" / "trueup.db", None, None)


@pytest.fixture
def closed_port() -> Iterator[int]:
    """A loopback port nothing listens on (bound, never listening, so no one else takes it)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        yield sock.getsockname()[1]


def test_an_announced_daemon_of_the_same_store_and_configuration_is_found(
    settings: Settings,
) -> None:
    file = announce(settings.store, settings.config, "http://127.0.0.1:8080")
    [found] = discover(settings.store, settings.config)
    assert (found.url, found.owner, found.file) == (
        "http://127.0.0.1:8080",
        str(Owner.current()),
        file,
    )
    assert [e.url for e in endpoints(settings)] == ["http://127.0.0.1:8080"]
    withdraw(file)
    assert discover(settings.store, settings.config) == []
    assert endpoints(settings) == []


def test_a_daemon_of_another_configuration_is_not_this_one_s(
    settings: Settings, tmp_path: Path
) -> None:
    announce(settings.store, tmp_path / "other.yaml", "http://127.0.0.1:8080")
    assert discover(settings.store, settings.config) == []


def test_the_announcement_of_a_process_provably_gone_is_ignored_and_removed(
    settings: Settings,
) -> None:
    folder = servers_folder(settings.store)
    folder.mkdir(parents=True)
    stale = folder / "4242.json"
    me = Owner.current()
    gone = Owner(me.host, me.boot_id, 2**22 + 7, 1)  # beyond pid_max: no such process
    content = {"url": "http://127.0.0.1:1", "owner": str(gone), "config": str(settings.config)}
    stale.write_text(json.dumps(content))
    (folder / "garbage.json").write_text("{not json")
    assert discover(settings.store, settings.config) == []
    assert not stale.exists()


def test_a_wildcard_listener_is_reached_on_loopback() -> None:
    assert local_url("0.0.0.0", 8080) == "http://127.0.0.1:8080"  # noqa: S104
    assert local_url("::", 8080) == "http://[::1]:8080"
    assert local_url("127.0.0.1", 9) == "http://127.0.0.1:9"


def test_server_must_be_a_url_and_is_the_only_daemon_asked(settings: Settings) -> None:
    announce(settings.store, settings.config, "http://127.0.0.1:8080")
    named = Settings(settings.config, settings.store, None, None, server="http://h:1/")
    assert endpoints(named) == [Endpoint("http://h:1", True, "--server http://h:1")]
    with pytest.raises(ConfigError, match="write the daemon's URL"):
        endpoints(Settings(settings.config, settings.store, None, None, server="h:1"))


def test_the_token_comes_from_the_file_else_the_environment(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRUEUP_TOKEN", " from-env \n")
    assert read_token(settings) == "from-env"
    file = tmp_path / "token"
    file.write_text("from-file\n")
    with_file = Settings(settings.config, settings.store, None, None, token_file=file)
    assert read_token(with_file) == "from-file"
    file.write_text("")
    with pytest.raises(ConfigError, match="the file is empty"):
        read_token(with_file)
    missing = Settings(settings.config, settings.store, None, None, token_file=tmp_path / "no")
    with pytest.raises(ConfigError, match="cannot read it"):
        read_token(missing)


def answering(
    status: int,
    body: Any,
    content_type: str = "application/json",
    seen: list[httpx.Request] | None = None,
) -> DaemonClient:
    """A client whose every request is answered with ``status`` and ``body`` (and kept in
    ``seen``)."""
    seen = [] if seen is None else seen

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        text = body if isinstance(body, str) else json.dumps(body)
        return httpx.Response(status, text=text, headers={"content-type": content_type})

    endpoint = Endpoint("http://127.0.0.1:8080", False, "trueup serve at http://127.0.0.1:8080")
    return DaemonClient(endpoint, "s3cret-token", transport=httpx.MockTransport(handler))


def problem(code: str, message: str) -> dict[str, Any]:
    return {"error": {"code": code, "message": message}}


def test_an_answer_s_json_comes_back_and_the_token_is_sent_as_a_bearer() -> None:
    seen: list[httpx.Request] = []
    client = answering(200, {"items": []}, seen=seen)
    assert client.get("/api/apps", {"limit": 5}) == {"items": []}
    [request] = seen
    assert request.headers["authorization"] == "Bearer s3cret-token"
    assert request.url.params["limit"] == "5"


@pytest.mark.parametrize(
    ("status", "body", "error", "words"),
    [
        (401, problem("unauthorized", "a token is needed"), PermanentError, "--token-file"),
        (403, problem("forbidden", "viewers may only read"), PermanentError, "operator's token"),
        (404, problem("not_found", "App/nope not found"), ConfigError, "App/nope not found"),
        (503, problem("unavailable", "not leading yet"), DaemonUnavailableError, "not leading"),
        (404, "<html>nothing here</html>", PermanentError, "is not a trueup daemon's API"),
        (200, "<html>a web page</html>", PermanentError, "is not a trueup daemon's API"),
    ],
    ids=["401", "403", "404", "503", "html-404", "html-200"],
)
def test_each_refusal_becomes_a_clear_error_naming_the_daemon(
    status: int, body: Any, error: type[Exception], words: str
) -> None:
    client = answering(status, body, "text/html" if isinstance(body, str) else "application/json")
    with pytest.raises(error, match=words) as raised:
        client.get("/api/apps")
    assert "trueup serve at http://127.0.0.1:8080" in str(raised.value)
    assert "s3cret-token" not in str(raised.value)


def test_a_named_server_that_does_not_answer_is_an_error_never_the_store(
    settings: Settings, closed_port: int
) -> None:
    url = f"http://127.0.0.1:{closed_port}"
    named = Settings(settings.config, settings.store, None, None, server=url)
    with pytest.raises(DaemonUnavailableError, match=f"--server {url} does not answer"):
        via_daemon.history(named, "web", 10)
    with pytest.raises(DaemonUnavailableError, match="does not answer"):
        via_daemon.resume(named, "web")


def test_a_discovered_daemon_that_does_not_answer_leaves_reads_to_the_store_but_not_actions(
    settings: Settings, closed_port: int, capsys: pytest.CaptureFixture[str]
) -> None:
    announce(settings.store, settings.config, f"http://127.0.0.1:{closed_port}")

    assert via_daemon.history(settings, "web", 10) is None
    assert "showing what the store holds instead" in capsys.readouterr().err
    with pytest.raises(DaemonUnavailableError, match="does not act beside it"):
        via_daemon.suspend(settings, "web", "")


def test_without_a_daemon_every_command_works_on_the_store(settings: Settings) -> None:
    assert via_daemon.status_data(settings, None, live=False) is None
    assert via_daemon.history(settings, "web", 10) is None
    assert via_daemon.sync(settings, "web", dry_run=False, prune=None, unsupported=[]) is None
    assert via_daemon.resume(settings, "web") is None


class Recorder(BaseHTTPRequestHandler):
    """Answers every request with the server's ``status`` and JSON ``body``; counts them."""

    def do_GET(self) -> None:
        self._answer()

    def do_POST(self) -> None:
        self._answer()

    def _answer(self) -> None:
        server: Any = self.server
        server.calls.append(self.path)
        text = json.dumps(server.body).encode()
        self.send_response(server.status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(text)))
        self.end_headers()
        self.wfile.write(text)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def daemons() -> Iterator[Callable[[int, Any], Any]]:
    """Starts fake daemons answering ``status`` and ``body``; each has ``url`` and ``calls``."""
    started: list[Any] = []

    def start(status: int, body: Any) -> Any:
        server: Any = ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
        server.status, server.body, server.calls = status, body, []
        server.url = f"http://127.0.0.1:{server.server_address[1]}"
        threading.Thread(target=server.serve_forever, daemon=True).start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.shutdown()
        server.server_close()


def announce_as(settings: Settings, name: str, url: str, age: float) -> None:
    """An announcement of this (live) process under ``name``, ``age`` seconds old."""
    folder = servers_folder(settings.store)
    folder.mkdir(parents=True, exist_ok=True)
    file = folder / f"{name}.json"
    owner = str(Owner.current())
    file.write_text(json.dumps({"url": url, "owner": owner, "config": str(settings.config)}))
    then = time.time() - age
    os.utime(file, (then, then))


def test_a_follower_s_503_passes_a_read_or_an_action_to_the_next_daemon(
    settings: Settings, daemons: Callable[[int, Any], Any]
) -> None:
    follower = daemons(503, problem("unavailable", "not leading"))
    leader = daemons(200, {"app": "web", "suspended": False, "resumed": True})
    announce_as(settings, "follower", follower.url, age=1)
    announce_as(settings, "leader", leader.url, age=60)

    assert via_daemon.resume(settings, "web") == {
        "app": "web",
        "suspended": False,
        "resumed": True,
    }
    assert (follower.calls, leader.calls) == (["/api/apps/web/resume"], ["/api/apps/web/resume"])


def test_an_action_that_failed_half_way_is_never_sent_to_another_daemon(
    settings: Settings, daemons: Callable[[int, Any], Any]
) -> None:
    broken = daemons(500, problem("internal", "the sync crashed"))
    other = daemons(200, {"app": "web"})
    announce_as(settings, "broken", broken.url, age=1)
    announce_as(settings, "other", other.url, age=60)

    with pytest.raises(DaemonUnavailableError, match="it may have acted all the same"):
        via_daemon.sync(settings, "web", dry_run=False, prune=None, unsupported=[])
    assert (len(broken.calls), other.calls) == (1, [])

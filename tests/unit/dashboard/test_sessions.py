"""Browser sessions: expiry, logout, CSRF tokens, and the token behind a session."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml

from trueup.api.auth import Tokens, digest
from trueup.config import ApiRole, load_config
from trueup.dashboard import sessions as sessions_module
from trueup.dashboard.sessions import (
    IDLE,
    LIFETIME,
    SWEEP_EVERY,
    Identity,
    Sessions,
    caller_of,
    csrf_matches,
)

TOKEN = "operator-token-for-sessions-1"


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 1, 1, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


def tokens(tmp_path: Path, *, role: str | None = "operator") -> Tokens:
    docs = []
    if role is not None:
        docs = [
            {"apiVersion": "trueup.dev/v1alpha1", "kind": "ApiToken", "metadata": {"name": "ops"},
             "spec": {"role": role, "secretRef": {"name": "ops-token"}}},
            {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "ops-token"},
             "stringData": {"token": TOKEN}},
        ]  # fmt: skip
    path = tmp_path / "trueup.yaml"
    path.write_text(yaml.safe_dump_all(docs))
    config = load_config(path)
    assert config.ok, config.errors
    return Tokens(config)


def test_a_session_is_found_by_its_id_until_logout() -> None:
    sessions = Sessions(Clock())
    session_id, session = sessions.open(Identity("token", digest(TOKEN)))
    assert sessions.find(session_id) is not None
    assert sessions.find("another-id") is None
    assert sessions.find(None) is None
    sessions.close(session_id)
    assert sessions.find(session_id) is None
    assert len(sessions) == 0
    assert session.csrf
    assert session.csrf != session_id


def test_a_session_ends_when_idle_and_after_its_lifetime_even_if_used() -> None:
    clock = Clock()
    sessions = Sessions(clock)
    idle_id, _ = sessions.open(Identity("token", digest(TOKEN)))
    busy_id, _ = sessions.open(Identity("token", digest(TOKEN)))
    clock.now += IDLE - timedelta(seconds=1)
    assert sessions.find(busy_id) is not None
    clock.now += timedelta(seconds=2)
    assert sessions.find(idle_id) is None
    assert sessions.find(busy_id) is not None  # used a second ago
    while clock.now - datetime(2026, 1, 1, tzinfo=UTC) <= LIFETIME:
        assert sessions.find(busy_id) is not None
        clock.now += IDLE / 2
    assert sessions.find(busy_id) is None


def test_each_session_has_its_own_csrf_token_compared_exactly() -> None:
    sessions = Sessions(Clock())
    _, one = sessions.open(Identity("token", digest(TOKEN)))
    _, two = sessions.open(Identity("token", digest(TOKEN)))
    assert one.csrf != two.csrf
    assert csrf_matches(one, one.csrf)
    assert not csrf_matches(one, two.csrf)
    assert not csrf_matches(one, None)
    assert not csrf_matches(one, "")
    assert not csrf_matches(one, one.csrf[:-1])


def test_a_session_follows_its_token_in_the_configuration_in_force(tmp_path: Path) -> None:
    sessions = Sessions(Clock())
    _, session = sessions.open(Identity("token", digest(TOKEN)))
    caller = caller_of(session, tokens(tmp_path))
    assert caller is not None
    assert (caller.name, caller.role) == ("ops", ApiRole.OPERATOR)
    viewer = caller_of(session, tokens(tmp_path, role="viewer"))
    assert viewer is not None
    assert viewer.role is ApiRole.VIEWER
    assert caller_of(session, tokens(tmp_path, role=None)) is None


def test_an_expired_session_is_refused_and_every_ended_one_removed() -> None:
    clock = Clock()
    sessions = Sessions(clock)
    old_ids = [sessions.open(Identity("token", digest(TOKEN)))[0] for _ in range(3)]
    clock.now += IDLE / 2
    fresh_id, _ = sessions.open(Identity("token", digest(TOKEN)))
    clock.now += IDLE / 2 + timedelta(seconds=1)
    assert len(sessions) == 4
    assert sessions.find(old_ids[0]) is None
    assert len(sessions) == 1  # the other two ended as well, and went with it
    assert sessions.find(fresh_id) is not None
    assert all(sessions.find(i) is None for i in old_ids)


def test_ended_sessions_are_swept_while_the_dashboard_is_used() -> None:
    clock = Clock()
    sessions = Sessions(clock)
    for _ in range(3):
        sessions.open(Identity("token", digest(TOKEN)))
    clock.now += IDLE / 2
    busy_id, _ = sessions.open(Identity("token", digest(TOKEN)))
    clock.now += IDLE / 2 + timedelta(seconds=1)
    assert len(sessions) == 4
    # Any lookup, even one without a cookie (an API call with a bearer token), sweeps
    # once SWEEP_EVERY has passed since the last sweep; nobody presented the ended ones.
    assert clock.now - (datetime(2026, 1, 1, tzinfo=UTC) + IDLE / 2) >= SWEEP_EVERY
    assert sessions.find(None) is None
    assert len(sessions) == 1
    assert sessions.find(busy_id) is not None


def test_a_full_table_drops_the_least_recently_used_session(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(sessions_module, "MAX_SESSIONS", 3)
    sessions = Sessions(Clock())
    first, second, third = (sessions.open(Identity("token", digest(TOKEN)))[0] for _ in range(3))
    assert sessions.find(first) is not None  # used: now the most recent
    sessions.open(Identity("token", digest(TOKEN)))
    assert len(sessions) == 3
    assert sessions.find(second) is None
    assert sessions.find(first) is not None
    assert sessions.find(third) is not None

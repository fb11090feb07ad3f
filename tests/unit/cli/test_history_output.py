"""``trueup history`` as a table: each attempt's commit author and subject beside its
revision, drawn from the data ``-o json`` prints (the store's or a daemon's alike)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from trueup.cli.history_output import HISTORY_COLUMNS, history_row
from trueup.gitspec import Commit
from trueup.store import Attempt, AttemptResult

T0 = datetime(2026, 12, 1, 8, 30, 5, tzinfo=UTC)
SHA = "c" * 40


def attempt(commit: Commit | None) -> Attempt:
    return Attempt(
        app="web",
        started_at=T0,
        finished_at=T0 + timedelta(seconds=3),
        revision=f"main@sha1:{SHA}",
        trigger="daemon:interval",
        result=AttemptResult.SUCCEEDED,
        plan_summary="1 configured",
        duration_s=3.04,
        target="dev@https://127.0.0.1:6443",
        commit=commit,
        id=7,
    )


def test_a_row_names_the_commit_s_author_and_subject() -> None:
    commit = Commit(SHA, "Ana Lima", "ana@example.com", "Scale web to 3", T0)
    row = dict(zip(HISTORY_COLUMNS, history_row(attempt(commit).as_data()), strict=True))
    assert row == {
        "STARTED (UTC)": "2026-12-01 08:30:05",
        "TRIGGER": "daemon:interval",
        "TARGET": "dev@https://127.0.0.1:6443",
        "REVISION": f"main@sha1:{SHA[:12]}",
        "AUTHOR": "Ana Lima",
        "SUBJECT": "Scale web to 3",
        "RESULT": "succeeded",
        "CHANGES": "1 configured",
        "TOOK": "3.0s",
        "ERROR": "",
    }


def test_an_attempt_without_a_known_commit_shows_dashes() -> None:
    row = dict(zip(HISTORY_COLUMNS, history_row(attempt(None).as_data()), strict=True))
    assert (row["AUTHOR"], row["SUBJECT"]) == ("-", "-")


def test_the_json_of_an_attempt_carries_the_whole_commit() -> None:
    commit = Commit(SHA, "Ana Lima", "ana@example.com", "Scale web to 3", T0)
    data = attempt(commit).as_data()
    assert data["commit"] == {
        "sha": SHA,
        "author": "Ana Lima",
        "email": "ana@example.com",
        "subject": "Scale web to 3",
        "committedAt": "2026-12-01T08:30:05+00:00",
    }
    assert attempt(None).as_data()["commit"] is None

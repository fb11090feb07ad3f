"""The pending-revert marker: which paths it covers, and which attempt applies it."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

from trueup.store import Attempt, AttemptResult, Revert

AT = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
PARENT, COMMIT, LATER = "p" * 40, "c" * 40, "d" * 40

REVERT = Revert(
    app="shop",
    source="GitSource/deploy",
    branch="main",
    paths=("apps/shop", "./base/"),
    revision="main@sha1:" + "0" * 40,
    commit=COMMIT,
    parent=PARENT,
    by="cli:alice",
    at=AT,
)


def _attempt(sha: str, *, minutes: int = 1, **changes: object) -> Attempt:
    started = AT + timedelta(minutes=minutes)
    attempt = Attempt(
        app="shop",
        started_at=started,
        finished_at=started + timedelta(seconds=3),
        revision=f"main@sha1:{sha}",
        trigger="daemon:poll",
        result=AttemptResult.SUCCEEDED,
    )
    return dataclasses.replace(attempt, **changes)  # type: ignore[arg-type]


def test_a_revert_covers_its_paths_and_what_they_hold() -> None:
    assert REVERT.paths == ("apps/shop", "base")
    assert REVERT.covers("base/deployment.yaml")
    assert REVERT.covers("./apps/shop")
    assert not REVERT.covers("apps/shopping/values.yaml")
    assert not REVERT.covers("apps")


def test_the_revert_commit_or_a_later_head_of_the_branch_applies_it() -> None:
    assert REVERT.applied_by(_attempt(COMMIT))
    assert REVERT.applied_by(_attempt(LATER))


def test_what_does_not_apply_the_revert() -> None:
    assert not REVERT.applied_by(_attempt(PARENT))  # the head it was made on
    assert not REVERT.applied_by(_attempt(LATER, minutes=-1))  # fetched before the push
    assert not REVERT.applied_by(_attempt(COMMIT, result=AttemptResult.FAILED))
    assert not REVERT.applied_by(_attempt(COMMIT, only=("ConfigMap/shop/a",)))
    assert not REVERT.applied_by(_attempt(COMMIT, app="blog"))
    assert not REVERT.applied_by(_attempt(LATER, revision=f"release@sha1:{LATER}"))
    assert not REVERT.applied_by(_attempt(COMMIT, revision=None))

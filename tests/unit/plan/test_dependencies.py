"""When a dependency is ready, and how a refusal names each one that is not."""

from __future__ import annotations

import pytest

from trueup.plan import DependencyState, dependency_refusal, why_not_ready

OLD = "main@sha1:" + "a" * 40
NEW = "main@sha1:" + "b" * 40


def state(**fields: object) -> DependencyState:
    """App/base, last synced successfully at the revision its source is at now."""
    values: dict[str, object] = {
        "app": "App/base",
        "last_result": "succeeded",
        "last_revision": NEW,
        "current_revision": NEW,
    }
    values.update(fields)
    return DependencyState(**values)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({}, None),
        ({"suspended": True}, None),
        ({"last_result": None, "last_revision": None}, "App/base has never been synced"),
        ({"last_result": "running"}, f"App/base is being synced now at {NEW}"),
        ({"last_result": "failed"}, f"App/base's last sync at {NEW} failed"),
        ({"last_result": "failed", "last_revision": None}, "App/base's last sync failed"),
        ({"last_result": "interrupted"}, f"App/base's last sync at {NEW} was interrupted"),
        ({"last_result": "cancelled"}, f"App/base's last sync at {NEW} was cancelled"),
        (
            {"last_revision": OLD},
            f"App/base last succeeded at {OLD}, but its source is now at {NEW}",
        ),
        (
            {"current_revision": None, "source_problem": "GitSource/deploy: 503"},
            "App/base's source cannot be read, so its current revision is unknown: "
            "GitSource/deploy: 503",
        ),
        (
            {"last_revision": OLD, "suspended": True},
            f"App/base last succeeded at {OLD}, but its source is now at {NEW} "
            "(it is suspended: set its spec.suspend to false and sync it)",
        ),
    ],
)
def test_a_dependency_is_ready_only_after_a_successful_sync_at_its_current_revision(
    fields: dict[str, object], reason: str | None
) -> None:
    assert why_not_ready(state(**fields)) == reason


def test_a_refusal_names_every_dependency_that_is_not_ready_and_the_way_out() -> None:
    states = [
        state(),
        state(app="App/db", last_result=None, last_revision=None),
        state(app="App/queue", last_result="failed"),
    ]

    assert dependency_refusal("App/web", states) == (
        "App/web waits for its dependencies (spec.dependsOn): App/db has never been synced; "
        f"App/queue's last sync at {NEW} failed. "
        "Sync them first, or sync with --ignore-dependencies"
    )


def test_no_refusal_when_every_dependency_is_ready() -> None:
    assert dependency_refusal("App/web", [state(), state(app="App/db")]) is None
    assert dependency_refusal("App/web", []) is None

"""The store's values: triggers, attempts and the public API."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

import trueup.store
from trueup.store import Attempt, AttemptResult, EventKind, EventRecord, Severity, Trigger


@pytest.mark.parametrize(
    ("trigger", "text"),
    [
        (Trigger.cli("alice"), "cli:alice"),
        (Trigger.daemon("interval"), "daemon:interval"),
        (Trigger.webhook("github-main"), "webhook:github-main"),
        (Trigger.daemon("drift"), "daemon:drift"),
        (Trigger.api("ci"), "api:ci"),
        (Trigger("rollback"), "rollback"),
    ],
)
def test_triggers_print_as_source_colon_detail_and_parse_back(trigger: Trigger, text: str) -> None:
    assert str(trigger) == text
    assert Trigger.parse(text) == trigger


@pytest.mark.parametrize("source", ["", "cli:x"])
def test_a_trigger_source_must_be_one_non_empty_word(source: str) -> None:
    with pytest.raises(ValueError, match="trigger source"):
        Trigger(source, "x")


def test_attempt_times_are_normalised_to_utc() -> None:
    plus_two = timezone(timedelta(hours=2))
    started = datetime(2025, 3, 1, 14, 0, tzinfo=plus_two)
    value = Attempt("shop", started, started, None, "cli:alice", AttemptResult.SKIPPED)
    assert value.started_at.utcoffset() == timedelta(0)
    assert value.started_at.hour == 12


def test_an_attempt_with_a_naive_time_is_refused() -> None:
    naive = datetime(2025, 3, 1, 12, 0)  # naive on purpose
    with pytest.raises(ValueError, match="timezone-aware"):
        Attempt("shop", naive, naive, None, "cli:alice", AttemptResult.FAILED)


def test_public_api_is_pinned() -> None:
    assert sorted(trueup.store.__all__) == [
        "AppLease",
        "AppLock",
        "Attempt",
        "AttemptResult",
        "Confirmation",
        "EventKind",
        "EventRecord",
        "ImageScan",
        "InventoryEntry",
        "MemoryStore",
        "Outcome",
        "Owner",
        "Pin",
        "RecordedInputs",
        "Revert",
        "Schedule",
        "Severity",
        "SqliteStore",
        "Store",
        "Suspension",
        "Trigger",
        "describe_holder",
        "hold_app_lock",
        "mark_interrupted",
    ]


def test_an_event_record_is_normalised_to_utc_and_typed() -> None:
    plus_two = timezone(timedelta(hours=2))
    at = datetime(2025, 3, 1, 14, 0, tzinfo=plus_two)
    kind, level, objects = "app.drifted", "warning", ["a", "b"]  # as read back, untyped
    record = EventRecord(at, "shop", kind, level, "drifted", objects=objects)  # type: ignore[arg-type]
    assert record.at.hour == 12
    assert record.at.utcoffset() == timedelta(0)
    assert record.kind is EventKind.DRIFTED
    assert record.level is Severity.WARNING
    assert record.objects == ("a", "b")
    assert record.as_data()["time"] == "2025-03-01T12:00:00.000000Z"
    with pytest.raises(ValueError, match="timezone-aware"):
        EventRecord(datetime(2025, 3, 1), None, EventKind.STARTED, Severity.INFO, "naive")

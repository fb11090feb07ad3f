"""``trueup status`` rows: every App of the configuration, and how old what they say is."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from trueup.cli.status import configured_apps, print_table, status_row
from trueup.config import load_config
from trueup.failure import Reason
from trueup.store import Attempt, AttemptResult, Confirmation

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
REVISION = "main@sha1:" + "a" * 40
TARGET = "dev@https://127.0.0.1:6443"


def attempt(result: AttemptResult, *, minute: int = 0, revision: str | None = REVISION) -> Attempt:
    started = T0 + timedelta(minutes=minute)
    failed = result is AttemptResult.FAILED
    return Attempt(
        app="web",
        started_at=started,
        finished_at=started + timedelta(seconds=5),
        revision=revision,
        trigger="cli:alice",
        result=result,
        health="Progressing" if failed else "Healthy",
        error="timed out after 30s waiting for Deployment/shop/web" if failed else "",
        reason=Reason.TIMEOUT if failed else None,
        target=TARGET,
    )


def confirmation(minute: float, *, in_sync: bool) -> Confirmation:
    at = T0 + timedelta(minutes=minute)
    return Confirmation("web", TARGET, at, REVISION, in_sync, "Healthy")


def test_an_app_that_never_ran_is_unknown_and_never_confirmed() -> None:
    row = status_row("web", None, None, None)
    assert (row["sync"], row["health"], row["confirmedAt"], row["revision"]) == (
        "Unknown",
        "Unknown",
        "never",
        "-",
    )


def test_a_sync_says_when_it_confirmed_the_state_and_a_later_diff_overrides_it() -> None:
    good = attempt(AttemptResult.SUCCEEDED)
    synced = status_row("web", good, good, confirmation(0.1, in_sync=True))
    assert (synced["sync"], synced["confirmedAt"]) == ("Synced", "2026-03-01T12:00:06+00:00")
    drifted = status_row("web", good, good, confirmation(30, in_sync=False))
    assert (drifted["sync"], drifted["confirmedAt"]) == ("OutOfSync", "2026-03-01T12:30:00+00:00")


def test_a_timed_out_wait_shows_applied_but_failed_with_its_error() -> None:
    good = attempt(AttemptResult.SUCCEEDED)
    timed_out = attempt(AttemptResult.FAILED, minute=10)
    row = status_row("web", timed_out, good, confirmation(10.1, in_sync=True))
    assert row["sync"] == "Synced"
    assert row["reason"] == "timeout"
    assert row["error"].startswith("timed out after 30s")


def test_an_attempt_that_failed_before_reading_git_leaves_sync_unknown() -> None:
    good = attempt(AttemptResult.SUCCEEDED)
    unreachable = dataclasses.replace(attempt(AttemptResult.FAILED, minute=5), revision=None)
    row = status_row("web", unreachable, good, confirmation(0.1, in_sync=True))
    assert (row["sync"], row["revision"]) == ("Unknown", REVISION)


def test_a_running_attempt_is_not_shown_as_its_outcome() -> None:
    good = attempt(AttemptResult.SUCCEEDED)
    running = dataclasses.replace(
        attempt(AttemptResult.RUNNING, minute=5), owner="pid 7 on h (boot b, start 1)"
    )
    row = status_row("web", running, good, confirmation(0.1, in_sync=True))
    assert row["sync"] == "Unknown"
    assert row["lastSync"] == "never"
    assert "a sync is running since 2026-03-01 12:05:00 (pid 7 on h" in row["error"]


def test_invalid_and_suspended_apps_say_so_whatever_was_recorded() -> None:
    good = attempt(AttemptResult.SUCCEEDED)
    invalid = status_row("web", good, good, None, invalid="trueup.yaml:9: App/web: bad")
    assert (invalid["sync"], invalid["error"]) == ("Invalid", "trueup.yaml:9: App/web: bad")
    suspended = status_row("web", good, good, None, suspended=True)
    assert (suspended["sync"], suspended["revision"]) == ("Suspended", REVISION)


def test_every_app_of_the_configuration_is_listed_the_invalid_ones_with_their_reason(
    tmp_path: Path,
) -> None:
    config = tmp_path / "trueup.yaml"
    source = "kind: GitSource\\nmetadata: {name: git}\\nspec: {url: 'https://example.test/r.git'}"
    config.write_text(
        "apiVersion: trueup.dev/v1alpha1\n" + source.replace("\\n", "\n") + "\n---\n"
        "apiVersion: trueup.dev/v1alpha1\nkind: App\nmetadata: {name: web}\n"
        "spec: {source: git, path: web}\n---\n"
        "apiVersion: trueup.dev/v1alpha1\nkind: App\nmetadata: {name: broken}\n"
        "spec: {source: git, path: broken, prune: maybe}\n---\n"
        "apiVersion: trueup.dev/v1alpha1\nkind: App\nmetadata: {name: orphan}\n"
        "spec: {source: missing, path: orphan}\n"
    )
    apps = configured_apps(load_config(config))
    assert list(apps) == ["broken", "orphan", "web"]
    assert apps["web"] == ""
    assert "spec.prune" in apps["broken"]
    assert "missing" in apps["orphan"]


def test_long_errors_wrap_in_their_column_instead_of_widening_the_table(
    capsys: pytest.CaptureFixture[str],
) -> None:
    error = "the API server refused Deployment/shop/web: " + "a reason that goes on " * 20
    row = status_row("web", None, None, None, invalid=error)
    print_table([row])
    printed = capsys.readouterr().out
    lines = printed.splitlines()
    assert len(lines) > 3
    assert max(len(line) for line in lines) < 140
    assert " ".join(printed.split()).count("a reason that goes on") == 20, "nothing is cut"

"""Engine.sync on fakes: every attempt records the commit of its revision (author, subject,
time) from the moment the source was read, its subject masked like every message, and
who triggered it."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from tests.unit.engine.harness import URL, Harness, _text, configmap, namespace
from trueup.gitspec import Commit
from trueup.masking import MASK
from trueup.store import AttemptResult, Trigger

pytestmark = pytest.mark.anyio

WHEN = datetime(2026, 11, 30, 9, 15, 42, tzinfo=UTC)
CANARY = "canary-commit-7d1e0b"


def commit(harness: Harness, files: dict[str, Any], subject: str) -> str:
    """A commit on main by Ana Lima at WHEN with ``subject``."""
    tree = {path: _text(manifest) for path, manifest in files.items()}
    return harness.source.commit(
        URL, tree, subject=subject, author="Ana Lima", email="ana@example.com", at=WHEN
    )


async def test_the_attempt_and_the_report_carry_the_commit_s_author_subject_and_time(
    harness: Harness,
) -> None:
    harness.app("web", namespace="shop")
    sha = commit(harness, {"web/all.yaml": [namespace("shop"), configmap("a")]}, "Add a")

    report = await harness.sync(trigger=str(Trigger.api("ci")))

    expected = Commit(sha, "Ana Lima", "ana@example.com", "Add a", WHEN)
    assert report.ok, report.error
    assert report.commit == expected
    [attempt] = await harness.history()
    assert (attempt.commit, attempt.trigger) == (expected, "api:ci")


async def test_an_attempt_that_dies_after_the_fetch_already_names_its_commit(
    harness: Harness,
) -> None:
    harness.app("web", namespace="shop")
    sha = commit(harness, {"web/all.yaml": [namespace("shop"), configmap("a")]}, "Add a")
    harness.target.fail("apply", RuntimeError("the process dies here"))

    with pytest.raises(RuntimeError):
        await harness.sync()

    [running] = await harness.history()
    assert running.result is AttemptResult.RUNNING
    assert running.commit is not None
    assert (running.commit.sha, running.commit.author) == (sha, "Ana Lima")


async def test_a_subject_quoting_a_rendered_secret_value_is_masked_in_report_and_history(
    harness: Harness,
) -> None:
    harness.app("web", namespace="shop")
    secret = {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": "db"},
        "stringData": {"password": CANARY},
    }
    commit(harness, {"web/all.yaml": [namespace("shop"), secret]}, f"Rotate to {CANARY}")

    report = await harness.sync()

    assert report.commit is not None
    assert report.commit.subject == f"Rotate to {MASK}"
    [attempt] = await harness.history()
    assert attempt.commit == report.commit


async def test_a_sync_whose_source_cannot_be_read_records_no_commit(harness: Harness) -> None:
    harness.app("web", namespace="shop")

    report = await harness.sync()

    assert report.failure is not None
    [attempt] = await harness.history()
    assert (attempt.revision, attempt.commit) == (None, None)

"""Rollback in pin mode, the pure parts: which attempt a REVISION names, and how a pin's
recorded inputs shape the render (the chart version, its digest, the values' hashes)."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from types import MappingProxyType

import pytest

from trueup.config import App
from trueup.engine import SyncOptions, SyncReport
from trueup.errors import ConfigError
from trueup.inputs.pinned import chart_problem, pinned_app, pinned_ref, values_note
from trueup.render import Rendered
from trueup.rollback.pin import applied_attempt, pin_app, roll_back
from trueup.rollback.shown import describe_pin
from trueup.store import Attempt, AttemptResult, MemoryStore, Pin, RecordedInputs

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
OLD = "a1b2c3d4" + "0" * 32
NEW = "a1b2c3d5" + "1" * 32
OTHER = "feedbeef" + "2" * 32
DIGEST = "sha256:" + "c" * 64


def attempt(
    sha: str,
    minute: int,
    result: AttemptResult = AttemptResult.SUCCEEDED,
    only: tuple[str, ...] = (),
) -> Attempt:
    started = T0 + timedelta(minutes=minute)
    return Attempt(
        app="web",
        started_at=started,
        finished_at=started + timedelta(seconds=3),
        revision=f"main@sha1:{sha}",
        trigger="cli:alice",
        result=result,
        only=only,
    )


HISTORY = [attempt(OTHER, 3), attempt(NEW, 2), attempt(OLD, 1)]


def helm_app(version: str | None = ">=1.0.0 <2.0.0", repository: str | None = None) -> App:
    helm: dict[str, object] = {"chart": "podinfo"}
    if version is not None:
        helm["version"] = version
    helm["repository"] = repository or "http://127.0.0.1:8000/charts"
    return App.model_validate(
        {"metadata": {"name": "web"}, "spec": {"source": "deploy", "helm": helm}}
    )


def pin(**inputs: object) -> Pin:
    recorded = RecordedInputs(**inputs)  # type: ignore[arg-type]
    return Pin("web", f"main@sha1:{OLD}", OLD, "cli:alice", T0, "", recorded)


def test_a_whole_revision_names_its_newest_successful_attempt() -> None:
    again = attempt(OLD, 4)
    found = applied_attempt([again, *HISTORY], f"main@sha1:{OLD}", "web")

    assert found is again


def test_seven_hex_digits_name_a_commit_and_sha1_may_come_first() -> None:
    assert applied_attempt(HISTORY, "feedbee", "web").revision == f"main@sha1:{OTHER}"
    assert applied_attempt(HISTORY, "sha1:FEEDBEEF", "web").revision == f"main@sha1:{OTHER}"


def test_a_prefix_of_two_commits_is_refused_naming_both() -> None:
    with pytest.raises(ConfigError, match=r"several commits.*give more digits") as refused:
        applied_attempt([attempt(OLD, 1), attempt(NEW, 2)], "a1b2c3d", "web")
    assert OLD[:12] in str(refused.value)
    assert NEW[:12] in str(refused.value)


def test_too_short_or_not_hex_is_refused_saying_where_revisions_are_listed() -> None:
    for wanted in ("a1b2c3", "main", "latest", ""):
        with pytest.raises(ConfigError, match="trueup history web"):
            applied_attempt(HISTORY, wanted, "web")


def test_failed_and_partial_attempts_are_no_revision_to_roll_back_to() -> None:
    history = [
        attempt(OTHER, 3, AttemptResult.FAILED),
        attempt(NEW, 2, only=("ConfigMap/shop/a",)),
    ]

    for wanted in (OTHER[:8], NEW[:8]):
        with pytest.raises(ConfigError, match="never applied"):
            applied_attempt(history, wanted, "web")


def test_a_pin_fetches_its_commit_by_id() -> None:
    assert pinned_ref(pin()).commit == OLD


def test_a_pinned_chart_from_a_repository_renders_at_its_recorded_version() -> None:
    app = helm_app()

    pinned = pinned_app(app, pin(chart_version="1.2.0"))

    assert pinned.spec.helm is not None
    assert pinned.spec.helm.version == "1.2.0"
    assert app.spec.helm is not None
    assert app.spec.helm.version == ">=1.0.0 <2.0.0"
    assert pinned.metadata == app.metadata


def test_without_a_recorded_version_or_a_pin_the_app_is_unchanged() -> None:
    app = helm_app()

    assert pinned_app(app, None) is app
    assert pinned_app(app, pin()) is app


def test_a_chart_archive_that_changed_under_its_version_is_refused() -> None:
    recorded = pin(chart_version="1.2.0", chart_digest=DIGEST)
    rendered = Rendered((), MappingProxyType({}), chart_version="1.2.0")

    same = dataclasses.replace(rendered, chart_digest=DIGEST)
    other = dataclasses.replace(rendered, chart_digest="sha256:" + "d" * 64)

    assert chart_problem(helm_app(), recorded, same) is None
    problem = chart_problem(helm_app(), recorded, other)
    assert problem is not None
    assert DIGEST in problem
    assert "published again" in problem
    assert "trueup resume web" in problem


def test_changed_values_from_the_cluster_are_noted_not_refused() -> None:
    recorded = pin(values_digests=("e" * 64,))

    assert values_note(helm_app(), recorded, ("e" * 64,)) is None
    note = values_note(helm_app(), recorded, ("f" * 64,))
    assert note is not None
    assert "changed since" in note
    assert values_note(helm_app(), pin(), ("f" * 64,)) is None  # nothing recorded


def test_describe_pin_says_where_by_whom_and_how_to_undo() -> None:
    said = describe_pin(dataclasses.replace(pin(), reason="bad release"))

    assert said.startswith(f"Pinned at main@sha1:{OLD} by cli:alice")
    assert "bad release" in said
    assert "trueup resume web" in said


@pytest.mark.anyio
async def test_roll_back_pins_with_the_recorded_inputs_then_syncs_as_who_asked() -> None:
    store = MemoryStore()
    ids = [await store.record_attempt(a) for a in reversed(HISTORY)]
    inputs = RecordedInputs("1.2.0", DIGEST, ("e" * 64,))
    await store.record_inputs(ids[0], inputs)
    synced: list[tuple[str, SyncOptions, dict[str, Pin]]] = []

    async def sync(name: str, options: SyncOptions) -> SyncReport:
        synced.append((name, options, await store.pins()))
        return SyncReport(app=name, revision=f"main@sha1:{OLD}")

    done = await roll_back(store, sync, "web", OLD[:8], trigger="api:ops", at=T0, reason="r")

    expected = Pin("web", f"main@sha1:{OLD}", OLD, "api:ops", T0, "r", inputs)
    assert done.pin == expected
    assert done.notes == ()
    [(name, options, pins)] = synced
    assert (name, options.trigger, pins) == ("web", "api:ops", {"web": expected})


@pytest.mark.anyio
async def test_an_attempt_without_recorded_inputs_is_pinned_with_a_note() -> None:
    store = MemoryStore()
    await store.record_attempt(attempt(OLD, 1))

    pinned, notes = await pin_app(store, "web", OLD, by="cli:bob", at=T0)

    assert pinned.inputs == RecordedInputs()
    assert "no inputs were recorded" in notes[0]


@pytest.mark.anyio
async def test_a_suspended_app_is_not_rolled_back() -> None:
    store = MemoryStore()
    await store.record_attempt(attempt(OLD, 1))
    await store.suspend("web", by="cli:carol", at=T0)

    with pytest.raises(ConfigError, match="trueup resume web"):
        await pin_app(store, "web", OLD, by="cli:bob", at=T0)
    assert await store.pins() == {}

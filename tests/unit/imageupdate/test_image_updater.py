"""The daemon's ImageUpdate loops, on a fake clock with a fake run: when they run, what
they report, and which pushes make the daemon poll the source."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

import trueup.daemon.image_updates as module
from tests.unit.daemon.test_daemon import Half, until
from trueup.config import LoadedConfig, load_config
from trueup.daemon.backoff import Backoff
from trueup.daemon.clock import ManualClock
from trueup.daemon.events import Event, Kind, Level
from trueup.daemon.image_updates import IMAGE_UPDATE, ImageUpdater
from trueup.errors import PushConflictError, PushRejectedError
from trueup.images import Change, Field, MarkerProblem, PolicyName, ProblemKind
from trueup.imageupdate import BranchOutcome, UpdateResult
from trueup.objects import ObjectId
from trueup.store import MemoryStore

pytestmark = pytest.mark.anyio

CHANGE = Change("apps/a.yaml", 3, "r/app:1.0.0", "r/app:1.1.0", PolicyName("default", "app"),
                Field.IMAGE, "default:app")  # fmt: skip
UNKNOWN = MarkerProblem(
    "apps/b.yaml", 1, ProblemKind.UNKNOWN_POLICY, "names 'default:nope'", "default:nope"
)


def result(*branches: BranchOutcome, problems: tuple[MarkerProblem, ...] = ()) -> UpdateResult:
    return UpdateResult("ImageUpdate/images", "GitSource/deploy", branches, problems, (), ())


PUSHED = BranchOutcome("main", (CHANGE,), True, "c" * 40, "p" * 40)
NOTHING = BranchOutcome("main", (), False, "p" * 40, "p" * 40)


def config(tmp_path: Path) -> LoadedConfig:
    docs: list[dict[str, Any]] = [
        {"apiVersion": "trueup.dev/v1alpha1", "kind": "GitSource", "metadata": {"name": "deploy"},
         "spec": {"url": "http://127.0.0.1:9/deploy.git", "write": {}}},
        {"apiVersion": "trueup.dev/v1alpha1", "kind": "ImageUpdate", "metadata": {"name": "images"},
         "spec": {"source": "deploy", "interval": "10m"}},
    ]  # fmt: skip
    path = tmp_path / "trueup.yaml"
    path.write_text(yaml.safe_dump_all(docs))
    return load_config(path)


@dataclass
class Loop:
    updater: ImageUpdater
    clock: ManualClock
    outcomes: list[UpdateResult | Exception]
    events: list[Event] = field(default_factory=list)
    refreshed: list[tuple[ObjectId, str]] = field(default_factory=list)
    runs: int = 0

    def of(self, kind: Kind) -> list[Event]:
        return [e for e in self.events if e.kind is kind]


@pytest.fixture
async def loop(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Loop]:
    clock = ManualClock()
    outcomes: list[UpdateResult | Exception] = []
    state: dict[str, Loop] = {}

    async def fake_run(*_args: object, **_kwargs: object) -> UpdateResult:
        state["loop"].runs += 1
        outcome = outcomes.pop(0) if outcomes else result(NOTHING)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    monkeypatch.setattr(module, "run_update", fake_run)
    events: list[Event] = []
    refreshed: list[tuple[ObjectId, str]] = []

    def refresh(source: ObjectId, trigger: str) -> bool:
        refreshed.append((source, trigger))
        return True

    updater = ImageUpdater(
        MemoryStore(),
        events.append,
        refresh,
        clock=clock,
        rand=Half(),
        backoff=Backoff(base=1, cap=300),
    )
    state["loop"] = Loop(updater, clock, outcomes, events, refreshed)
    yield state["loop"]
    await updater.stop()


async def test_a_pushed_commit_is_reported_and_polls_the_source_at_once(
    loop: Loop, tmp_path: Path
) -> None:
    loop.outcomes.append(result(PUSHED, problems=(UNKNOWN,)))
    cfg = config(tmp_path)
    loop.updater.watch(cfg, cfg.image_updates)
    await until(lambda: bool(loop.of(Kind.IMAGE_UPDATED)), "an image.updated event")

    [updated] = loop.of(Kind.IMAGE_UPDATED)
    assert "r/app:1.0.0 → r/app:1.1.0" in updated.message
    assert updated.fields["commit"] == "c" * 40
    assert updated.fields["branch"] == "main"
    assert loop.refreshed == [(cfg.sources[0].id, IMAGE_UPDATE)]
    [skipped] = loop.of(Kind.IMAGE_MARKERS_SKIPPED)
    assert skipped.level is Level.WARNING
    assert "default:nope" in skipped.message


async def test_a_nudge_runs_it_before_its_interval_and_nothing_new_reports_nothing(
    loop: Loop, tmp_path: Path
) -> None:
    cfg = config(tmp_path)
    loop.updater.watch(cfg, cfg.image_updates)
    await until(lambda: loop.runs == 1, "the first run")
    loop.updater.nudge()
    await until(lambda: loop.runs == 2, "a run after the nudge")
    assert loop.clock.now() == 0
    await loop.clock.advance(600)
    await until(lambda: loop.runs == 3, "a run after the interval")
    assert loop.events == []
    assert loop.refreshed == []


async def test_a_failed_run_is_reported_and_retried_after_a_backoff(
    loop: Loop, tmp_path: Path
) -> None:
    loop.outcomes.extend(
        [PushRejectedError("refused: main is protected"), PushConflictError("raced")]
    )
    cfg = config(tmp_path)
    loop.updater.watch(cfg, cfg.image_updates)
    await until(lambda: len(loop.of(Kind.IMAGE_UPDATE_FAILED)) == 1, "a failure")
    first = loop.of(Kind.IMAGE_UPDATE_FAILED)[0]
    assert first.level is Level.ERROR
    assert "main is protected" in first.message
    await loop.clock.advance(1)
    await until(lambda: len(loop.of(Kind.IMAGE_UPDATE_FAILED)) == 2, "a second failure")
    second = loop.of(Kind.IMAGE_UPDATE_FAILED)[1]
    assert second.level is Level.WARNING
    assert second.fields["temporary"] is True
    assert second.fields["failures"] == 2
    assert loop.refreshed == []


REFUSED = BranchOutcome(
    "trueup/app",
    (),
    False,
    None,
    None,
    error="pushing to branch 'trueup/app' was refused by the server",
    error_class="PushRejectedError",
)
SIDECAR = BranchOutcome("trueup/sidecar", (CHANGE,), True, "c" * 40, "p" * 40)


async def test_a_failed_policy_branch_is_reported_and_backs_off_while_the_others_report(
    loop: Loop, tmp_path: Path
) -> None:
    loop.outcomes.append(result(REFUSED, SIDECAR))
    cfg = config(tmp_path)
    loop.updater.watch(cfg, cfg.image_updates)
    await until(lambda: bool(loop.of(Kind.IMAGE_UPDATE_FAILED)), "a failed branch")

    [failed] = loop.of(Kind.IMAGE_UPDATE_FAILED)
    assert failed.level is Level.ERROR
    assert "branch trueup/app: pushing to branch 'trueup/app' was refused" in failed.message
    assert failed.fields["branch"] == "trueup/app"
    assert failed.fields["error_class"] == "PushRejectedError"
    assert failed.fields["temporary"] is False
    [updated] = loop.of(Kind.IMAGE_UPDATED)
    assert updated.fields["branch"] == "trueup/sidecar"
    assert loop.refreshed == [], "no commit on the followed branch"
    # The next run comes after the backoff (1 s here), not after the 10 min interval.
    await loop.clock.advance(1)
    await until(lambda: loop.runs == 2, "a retry after the backoff")

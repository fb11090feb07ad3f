"""After a reconcile: interval on success, backoff on temporary failures, interval otherwise."""

from __future__ import annotations

import itertools

from trueup.daemon.backoff import Backoff
from trueup.daemon.schedule import (
    MAX_SAME_RENDER,
    Mode,
    Next,
    Result,
    SameRender,
    mode_for,
    next_run,
    same_render_after,
)
from trueup.failure import Failure, Reason


class Half:
    def random(self) -> float:
        return 0.5


BACKOFF = Backoff(base=1, cap=300)
UNREACHABLE = Failure(Reason.SOURCE_UNAVAILABLE, "git is down")
INVALID = Failure(Reason.INVALID, "bad object")


def run(result: Result, failure: Failure | None, failures: int, interval: float = 300) -> Next:
    return next_run(result, failure, failures, interval=interval, backoff=BACKOFF, rand=Half())


def test_a_success_waits_the_interval_and_clears_the_failure_streak() -> None:
    assert run(Result.SUCCEEDED, None, 4) == Next(300, 0)


def test_temporary_failures_back_off_further_each_time() -> None:
    delays = []
    failures = 0
    for _ in range(4):
        step = run(Result.FAILED, UNREACHABLE, failures)
        delays.append(step.delay)
        failures = step.failures
    assert delays == [0.75, 1.5, 3.0, 6.0]
    assert failures == 4


def test_backoff_stops_at_the_apps_interval() -> None:
    assert run(Result.FAILED, UNREACHABLE, 30, interval=60).delay == 45


def test_a_permanent_failure_waits_the_interval_but_counts_in_the_streak() -> None:
    assert run(Result.FAILED, INVALID, 2) == Next(300, 3)


def test_a_skipped_app_is_not_put_on_a_timer() -> None:
    assert run(Result.SKIPPED, None, 1) == Next(None, 1)


def mode(**given: object) -> Mode:
    settings: dict[str, object] = {
        "auto_sync": True,
        "self_heal": True,
        "current_revision": "main@sha1:b",
        "applied_revision": "main@sha1:a",
        "spec_changed": False,
    }
    settings.update(given)
    return mode_for(**settings)  # type: ignore[arg-type]


def test_with_auto_sync_off_the_daemon_only_ever_compares() -> None:
    assert mode(auto_sync=False) is Mode.COMPARE
    assert mode(auto_sync=False, spec_changed=True) is Mode.COMPARE


def test_with_self_heal_the_daemon_always_applies() -> None:
    assert mode(applied_revision="main@sha1:b") is Mode.APPLY


def test_without_self_heal_only_a_new_revision_or_spec_is_applied() -> None:
    assert mode(self_heal=False) is Mode.APPLY
    assert mode(self_heal=False, applied_revision="main@sha1:b") is Mode.COMPARE
    assert mode(self_heal=False, applied_revision="main@sha1:b", spec_changed=True) is Mode.APPLY
    assert mode(self_heal=False, applied_revision=None) is Mode.APPLY


def test_without_self_heal_a_revision_that_renders_the_app_alike_is_not_applied() -> None:
    a, b, c = "main@sha1:a", "main@sha1:b", "main@sha1:c"
    run = same_render_after(same_render_after(None, a, b), b, c)
    assert run == SameRender((a, b, c))
    assert mode(self_heal=False, current_revision=c, same_render=run) is Mode.COMPARE
    assert mode(self_heal=False, current_revision=c, same_render=run, spec_changed=True) is (
        Mode.APPLY
    )
    # Applied elsewhere than where the run starts (a failed apply, a move not seen): applied.
    assert (
        mode(self_heal=False, current_revision=c, applied_revision="main@sha1:z", same_render=run)
        is Mode.APPLY
    )
    # The source moved again since, and the run does not reach its head yet: applied.
    assert mode(self_heal=False, current_revision="main@sha1:d", same_render=run) is Mode.APPLY
    assert mode(same_render=run, current_revision=c) is Mode.APPLY  # selfHeal on


def test_a_move_from_a_revision_outside_the_run_starts_a_new_one() -> None:
    run = SameRender(("main@sha1:a", "main@sha1:b"))
    assert same_render_after(run, "main@sha1:x", "main@sha1:y") == SameRender(
        ("main@sha1:x", "main@sha1:y")
    )


def test_a_revision_in_the_middle_of_a_run_counts_as_applied() -> None:
    a, b, c, d = "main@sha1:a", "main@sha1:b", "main@sha1:c", "main@sha1:d"
    run = None
    for previous, new in ((a, b), (b, c), (c, d)):
        run = same_render_after(run, previous, new)
    assert run is not None
    # Synced outside the daemon (trueup sync) while the source was at b, or at c.
    for applied in (a, b, c, d):
        assert mode(self_heal=False, current_revision=d, applied_revision=applied,
                    same_render=run) is Mode.COMPARE, applied  # fmt: skip
    assert mode(self_heal=False, current_revision=d, applied_revision="main@sha1:z",
                same_render=run) is Mode.APPLY  # fmt: skip


def test_a_source_moved_back_within_a_run_keeps_the_run() -> None:
    a, b, c = "main@sha1:a", "main@sha1:b", "main@sha1:c"
    run = same_render_after(same_render_after(None, a, b), b, c)
    back = same_render_after(run, c, b)  # force-pushed back to b
    assert back == run
    assert mode(self_heal=False, current_revision=b, applied_revision=c,
                same_render=back) is Mode.COMPARE  # fmt: skip
    # And on from there: what renders like b renders like every revision of the run.
    on = same_render_after(back, b, "main@sha1:d")
    assert mode(self_heal=False, current_revision="main@sha1:d", applied_revision=a,
                same_render=on) is Mode.COMPARE  # fmt: skip


def test_a_long_run_keeps_its_first_and_newest_revisions_only() -> None:
    revisions = [f"main@sha1:{n:040x}" for n in range(MAX_SAME_RENDER + 50)]
    run = None
    for previous, new in itertools.pairwise(revisions):
        run = same_render_after(run, previous, new)
    assert run is not None
    assert len(run.revisions) == MAX_SAME_RENDER
    assert revisions[0] in run  # where the daemon last applied
    assert revisions[-1] in run
    assert revisions[-MAX_SAME_RENDER + 1] in run
    assert revisions[1] not in run  # the oldest of the middle went first

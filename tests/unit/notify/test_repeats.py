"""Which reconcile events are news to which Provider: a failure is sent to a Provider once
until it changes (error or revision), the App recovers, the notification is given up on,
or an hour passes; successes keep their rules; other events always pass."""

from __future__ import annotations

from trueup.daemon.events import Event, Kind, Level
from trueup.notify.repeats import REMIND_AFTER, Repeats
from trueup.objects import ObjectId

SLACK = ObjectId("trueup.dev", "Provider", "", "slack")
HOOK = ObjectId("trueup.dev", "Provider", "", "hook")
BOTH = (SLACK, HOOK)


def failed(message: str = "render failed: bad.yaml line 1", *, revision: str = "r1") -> Event:
    return Event(Kind.RECONCILE_FAILED, message, app="web", level=Level.ERROR, revision=revision)


def succeeded(*changed: str, revision: str = "r1", app: str = "web") -> Event:
    return Event(
        Kind.RECONCILED,
        "nothing to change",
        app=app,
        revision=revision,
        objects=changed,
        fields={"health": "Healthy"},
    )


def test_the_same_failure_retried_is_sent_to_each_provider_once() -> None:
    repeats = Repeats()
    assert repeats.news(failed(), BOTH, 0.0) == {SLACK, HOOK}
    for second in range(1, 60):
        assert repeats.news(failed(), BOTH, float(second)) == set()


def test_another_error_or_another_revision_is_news_and_becomes_the_one_remembered() -> None:
    repeats = Repeats()
    repeats.news(failed("timeout"), BOTH, 0.0)
    assert repeats.news(failed("forbidden"), BOTH, 1.0) == {SLACK, HOOK}
    assert repeats.news(failed("forbidden"), BOTH, 2.0) == set()
    assert repeats.news(failed("timeout"), BOTH, 3.0) == {SLACK, HOOK}  # it changed back
    assert repeats.news(failed("timeout", revision="r2"), BOTH, 4.0) == {SLACK, HOOK}
    assert repeats.news(failed("timeout", revision="r2"), BOTH, 5.0) == set()


def test_a_success_in_between_lets_the_same_failure_through_again() -> None:
    repeats = Repeats()
    repeats.news(succeeded(), BOTH, 0.0)
    repeats.news(failed(), BOTH, 1.0)
    assert repeats.news(failed(), BOTH, 2.0) == set()
    assert repeats.news(succeeded(), BOTH, 3.0) == {SLACK, HOOK}  # recovered: news too
    assert repeats.news(failed(), BOTH, 4.0) == {SLACK, HOOK}
    assert repeats.news(failed(), BOTH, 5.0) == set()


def test_a_provider_that_was_not_sent_the_failure_still_hears_of_it() -> None:
    repeats = Repeats()
    assert repeats.news(failed(), (SLACK,), 0.0) == {SLACK}  # an Alert for HOOK added later
    assert repeats.news(failed(), BOTH, 1.0) == {HOOK}
    assert repeats.news(failed(), BOTH, 2.0) == set()


def test_each_app_has_its_own_failures() -> None:
    repeats = Repeats()
    repeats.news(failed(), BOTH, 0.0)
    other = Event(Kind.RECONCILE_FAILED, failed().message, app="api", revision="r1")
    assert repeats.news(other, BOTH, 1.0) == {SLACK, HOOK}
    assert repeats.news(succeeded(app="api"), BOTH, 2.0) == {SLACK, HOOK}  # api recovered
    assert repeats.news(failed(), BOTH, 3.0) == set()  # web did not


def test_an_unchanged_failure_is_sent_again_once_an_hour_has_passed() -> None:
    repeats = Repeats()
    repeats.news(failed(), BOTH, 100.0)
    assert repeats.news(failed(), BOTH, 100.0 + REMIND_AFTER - 1) == set()
    assert repeats.news(failed(), BOTH, 100.0 + REMIND_AFTER) == {SLACK, HOOK}
    # The reminder starts the next hour.
    assert repeats.news(failed(), BOTH, 100.0 + REMIND_AFTER + 1) == set()
    assert repeats.news(failed(), BOTH, 100.0 + 2 * REMIND_AFTER - 1) == set()
    assert repeats.news(failed(), BOTH, 100.0 + 2 * REMIND_AFTER) == {SLACK, HOOK}


def test_the_hour_is_counted_per_provider() -> None:
    repeats = Repeats()
    repeats.news(failed(), (SLACK,), 0.0)
    repeats.news(failed(), BOTH, 1800.0)  # HOOK first hears of it half an hour later
    assert repeats.news(failed(), BOTH, REMIND_AFTER) == {SLACK}
    assert repeats.news(failed(), BOTH, 1800.0 + REMIND_AFTER) == {HOOK}


def test_a_failure_given_up_on_is_news_again_to_that_provider_only() -> None:
    repeats = Repeats()
    repeats.news(failed(), BOTH, 0.0)
    repeats.undelivered("web", SLACK, "r1")
    assert repeats.news(failed(), BOTH, 1.0) == {SLACK}
    assert repeats.news(failed(), BOTH, 2.0) == set()


def test_giving_up_on_an_older_revision_keeps_the_newer_failure() -> None:
    repeats = Repeats()
    repeats.news(failed(), BOTH, 0.0)
    repeats.news(failed(revision="r2"), BOTH, 1.0)
    repeats.undelivered("web", SLACK, "r1")  # the r1 notification was still being retried
    assert repeats.news(failed(revision="r2"), BOTH, 2.0) == set()


def test_removed_apps_and_providers_are_forgotten() -> None:
    repeats = Repeats()
    repeats.news(failed(), BOTH, 0.0)
    repeats.forget({"web"}, {SLACK})
    assert repeats.news(failed(), BOTH, 1.0) == {HOOK}  # HOOK left and came back
    repeats.forget(set(), {SLACK, HOOK})
    assert repeats.news(failed(), BOTH, 2.0) == {SLACK, HOOK}  # web left and came back


def test_successes_are_news_by_the_apps_history_alike_for_every_provider() -> None:
    repeats = Repeats()
    assert repeats.news(succeeded(), BOTH, 0.0) == set()  # first seen, applied nothing
    assert repeats.news(succeeded("ConfigMap/shop/a"), BOTH, 1.0) == {SLACK, HOOK}
    assert repeats.news(succeeded(), BOTH, 2.0) == set()
    assert repeats.news(succeeded(revision="r2"), BOTH, 3.0) == {SLACK, HOOK}
    # A failure routed to no Provider still counts as the App's last reconcile.
    assert repeats.news(failed(revision="r2"), (), 4.0) == set()
    assert repeats.news(succeeded(revision="r2"), BOTH, 5.0) == {SLACK, HOOK}


def test_other_events_always_go_to_every_provider() -> None:
    repeats = Repeats()
    drifted = Event(Kind.OUT_OF_SYNC, "differs from Git", app="web", revision="r1")
    fetch = Event(Kind.RECONCILE_FAILED, "fetch failed", level=Level.ERROR)  # about no App
    for at in (0.0, 1.0):
        assert repeats.news(drifted, BOTH, at) == {SLACK, HOOK}
        assert repeats.news(fetch, BOTH, at) == {SLACK, HOOK}

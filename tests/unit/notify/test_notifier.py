"""The notifier on the event bus: matching events reach each Provider's queue, a held-up
Provider delays neither the bus nor the other Providers, a notification given up on becomes
one ``notification.dropped`` event, and a new configuration is followed."""

from __future__ import annotations

import asyncio
from pathlib import Path

import orjson
import pytest

from trueup.config import LoadedConfig, load_config
from trueup.daemon.clock import ManualClock
from trueup.daemon.events import Event, EventBus, Kind, Level
from trueup.daemon.metrics import Metrics
from trueup.notify import DeliveryPolicy, Notifier
from trueup.notify.payloads import Request
from trueup.notify.sender import Outcome, Result, outcome_of

pytestmark = pytest.mark.anyio

CANARY = "canary-77d0e2b4f1"


def config_text(slow_type: str = "slack") -> str:
    return f"""\
apiVersion: v1
kind: Secret
metadata: {{name: slow-url}}
stringData: {{address: "https://slow.example.com/{CANARY}"}}
---
apiVersion: trueup.dev/v1alpha1
kind: Provider
metadata: {{name: slow}}
spec: {{type: {slow_type}, secretRef: {{name: slow-url}}}}
---
apiVersion: trueup.dev/v1alpha1
kind: Provider
metadata: {{name: quick}}
spec: {{type: webhook, address: "https://quick.example.com/hook"}}
---
apiVersion: trueup.dev/v1alpha1
kind: Alert
metadata: {{name: to-slow}}
spec: {{providerRef: {{name: slow}}, reasons: [reconcile.failed]}}
---
apiVersion: trueup.dev/v1alpha1
kind: Alert
metadata: {{name: to-quick}}
spec: {{providerRef: {{name: quick}}, reasons: [reconcile.failed]}}
"""


def load(tmp_path: Path, text: str) -> LoadedConfig:
    (tmp_path / "config.yaml").write_text(text)
    config = load_config(tmp_path)
    assert config.errors == ()
    return config


def started(
    tmp_path: Path, text: str, sender: HostSender
) -> tuple[EventBus, ManualClock, Metrics, Notifier]:
    """A notifier started on the configuration ``text``, sending through ``sender``, with a
    bus, a clock and metrics of its own."""
    bus, clock, metrics = EventBus(), ManualClock(), Metrics()
    config = load(tmp_path, text)
    notifier = Notifier(
        bus, lambda: config, clock=clock, rand=_Half(), sender=sender, metrics=metrics
    )
    notifier.start()
    return bus, clock, metrics, notifier


class HostSender:
    """Answers per host; requests to a held host wait until released."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, bytes]] = []
        self.held: dict[str, asyncio.Event] = {}
        self.answers: dict[str, Outcome] = {}

    async def send(self, url: str, request: Request, within: float) -> Outcome:
        host = url.split("/")[2]
        self.sent.append((host, request.body))
        if host in self.held:
            await self.held[host].wait()
        return self.answers.get(host, Outcome(Result.DELIVERED))

    async def aclose(self) -> None:
        pass


async def settle(clock: ManualClock, seconds: float = 0.0) -> None:
    for _ in range(20):
        await asyncio.sleep(0)
    if seconds:
        for _ in range(int(seconds)):
            await clock.advance(1.0)


def failure(n: int) -> Event:
    return Event(Kind.RECONCILE_FAILED, f"failure {n}", app="web", level=Level.ERROR)


async def test_a_held_up_provider_delays_neither_the_bus_nor_the_other_provider(
    tmp_path: Path,
) -> None:
    bus, clock, sender = EventBus(), ManualClock(), HostSender()
    sender.held["slow.example.com"] = asyncio.Event()
    config = load(tmp_path, config_text())
    notifier = Notifier(bus, lambda: config, clock=clock, rand=_Half(), sender=sender)
    notifier.start()
    for n in range(3):
        bus.publish(failure(n))  # returns at once: the bus never waits for a Provider
    await settle(clock, 5)
    quick = [orjson.loads(body)["message"] for host, body in sender.sent if host.startswith("q")]
    slow = [host for host, _ in sender.sent if host.startswith("slow")]
    assert quick == ["failure 0", "failure 1", "failure 2"]
    assert slow == ["slow.example.com"]  # one request in flight, still held
    sender.held["slow.example.com"].set()
    await settle(clock, 5)
    assert len([host for host, _ in sender.sent if host.startswith("slow")]) == 3
    await notifier.stop(grace=1.0)


async def test_a_notification_given_up_on_is_one_dropped_event_that_is_not_sent(
    tmp_path: Path,
) -> None:
    bus, clock, sender = EventBus(), ManualClock(), HostSender()
    sender.answers["slow.example.com"] = outcome_of(500)
    config = load(tmp_path, config_text())
    heard: list[Event] = []
    bus.listen(heard.append)
    notifier = Notifier(
        bus,
        lambda: config,
        clock=clock,
        rand=_Half(),
        sender=sender,
        policy=DeliveryPolicy(attempts=2),
    )
    notifier.start()
    bus.publish(failure(1))
    await settle(clock, 10)
    dropped = [e for e in heard if e.kind is Kind.NOTIFICATION_DROPPED]
    assert len(dropped) == 1
    assert dropped[0].message == (
        "notification (reconcile.failed of web) to Provider/slow dropped: "
        "the endpoint answered 500; gave up after 2 attempts"
    )
    assert dropped[0].fields["provider"] == "Provider/slow"
    assert CANARY not in repr(dropped[0])
    assert len(sender.sent) == 3  # two attempts to slow, one to quick; the drop is not sent
    await notifier.stop(grace=1.0)


async def test_nothing_is_sent_before_the_daemon_runs_a_configuration(tmp_path: Path) -> None:
    bus, clock, sender = EventBus(), ManualClock(), HostSender()
    config = load(tmp_path, config_text())
    current: list[LoadedConfig | None] = [None]
    notifier = Notifier(bus, lambda: current[0], clock=clock, rand=_Half(), sender=sender)
    notifier.start()
    bus.publish(failure(1))
    await settle(clock)
    assert sender.sent == []
    current[0] = config
    bus.publish(failure(2))
    await settle(clock)
    assert sorted(host for host, _ in sender.sent) == ["quick.example.com", "slow.example.com"]
    await notifier.stop(grace=1.0)


async def test_a_changed_provider_is_followed_and_an_unchanged_one_keeps_its_queue(
    tmp_path: Path,
) -> None:
    bus, clock, sender = EventBus(), ManualClock(), HostSender()
    current = [load(tmp_path, config_text("slack"))]
    notifier = Notifier(bus, lambda: current[0], clock=clock, rand=_Half(), sender=sender)
    notifier.start()
    bus.publish(failure(1))
    await settle(clock)
    current[0] = load(tmp_path, config_text("discord"))
    bus.publish(failure(2))
    await settle(clock, 2)
    slow = [orjson.loads(body) for host, body in sender.sent if host.startswith("slow")]
    assert "blocks" in slow[0]
    assert "embeds" in slow[1]
    await notifier.stop(grace=1.0)


SUCCESS_ALERTS = """\
apiVersion: trueup.dev/v1alpha1
kind: Provider
metadata: {name: chat}
spec: {type: webhook, address: "https://chat.example.com/hook"}
---
apiVersion: trueup.dev/v1alpha1
kind: Alert
metadata: {name: outcomes}
spec: {providerRef: {name: chat}, reasons: [reconcile.succeeded, reconcile.failed]}
"""


def success(revision: str, *changed: str, health: str = "Healthy") -> Event:
    return Event(
        Kind.RECONCILED,
        f"{len(changed)} changed at {revision}",
        app="web",
        revision=revision,
        objects=changed,
        fields={"health": health},
    )


async def test_a_repeated_success_is_not_sent_but_counted_and_news_is_sent(
    tmp_path: Path,
) -> None:
    sender = HostSender()
    bus, clock, metrics, notifier = started(tmp_path, SUCCESS_ALERTS, sender)
    for event in [
        success("r1"),  # first seen, applied nothing (a restart's first interval run)
        success("r1", "Deployment/shop/web"),  # applied a change
        success("r1"),  # interval reconciles, nothing changed: repeats
        success("r1"),
        success("r1", health="Progressing"),  # health changed
        failure(1),
        success("r1"),  # recovered
        success("r1"),
        success("r2"),  # a new commit, even one that changed no object
    ]:
        bus.publish(event)
    await settle(clock, 10)

    sent = [orjson.loads(body)["message"] for _host, body in sender.sent]
    assert sent == [
        "1 changed at r1",
        "0 changed at r1",
        "failure 1",
        "0 changed at r1",
        "0 changed at r2",
    ]

    def count(result: str) -> float | None:
        labels = {"provider": "Provider/chat", "result": result}
        return metrics.registry.get_sample_value("trueup_notifications_total", labels)

    assert (count("sent"), count("deduplicated"), count("failed")) == (5.0, 4.0, None)
    await notifier.stop(grace=1.0)


async def test_a_notification_given_up_on_is_counted_as_failed(tmp_path: Path) -> None:
    sender = HostSender()
    sender.answers["chat.example.com"] = outcome_of(400)
    bus, clock, metrics, notifier = started(tmp_path, SUCCESS_ALERTS, sender)
    bus.publish(failure(1))
    await settle(clock, 5)

    labels = {"provider": "Provider/chat", "result": "failed"}
    assert metrics.registry.get_sample_value("trueup_notifications_total", labels) == 1.0
    await notifier.stop(grace=1.0)


FAILURE_ALERTS = """\
apiVersion: trueup.dev/v1alpha1
kind: Provider
metadata: {name: chat}
spec: {type: slack, address: "https://chat.example.com/services/T0/B0/X"}
---
apiVersion: trueup.dev/v1alpha1
kind: Provider
metadata: {name: hook}
spec: {type: webhook, address: "https://hook.example.com/hook"}
---
apiVersion: trueup.dev/v1alpha1
kind: Alert
metadata: {name: to-chat}
spec: {providerRef: {name: chat}, reasons: [reconcile.succeeded, reconcile.failed]}
---
apiVersion: trueup.dev/v1alpha1
kind: Alert
metadata: {name: to-hook}
spec: {providerRef: {name: hook}, reasons: [reconcile.failed]}
"""


def broken(message: str = "rendering web failed: bad.yaml: line 1", revision: str = "r1") -> Event:
    return Event(Kind.RECONCILE_FAILED, message, app="web", level=Level.ERROR, revision=revision)


def received(sender: HostSender) -> list[tuple[str, str]]:
    """(host, what was said) of each request, from the Slack blocks or the webhook JSON."""
    said: list[tuple[str, str]] = []
    for host, body in sender.sent:
        payload = orjson.loads(body)
        if "blocks" in payload:
            said.append((host, payload["blocks"][1]["text"]["text"]))
        else:
            said.append(
                (host, f"{payload['reason']} at {payload['revision']}: {payload['message']}")
            )
    return said


async def test_a_failure_retried_is_sent_once_until_it_changes_or_the_app_recovers(
    tmp_path: Path,
) -> None:
    sender = HostSender()
    bus, clock, metrics, notifier = started(tmp_path, FAILURE_ALERTS, sender)
    for event in [
        broken(),  # sent to both
        broken(),  # the daemon's retries: repeats
        broken(),
        broken("rendering web failed: other.yaml: line 3"),  # another error
        broken("rendering web failed: other.yaml: line 3"),
        broken("rendering web failed: other.yaml: line 3", revision="r2"),  # a new commit
        broken("rendering web failed: other.yaml: line 3", revision="r2"),
        success("r2"),  # recovered: sent to chat (the hook's Alert wants failures only)
        broken("rendering web failed: other.yaml: line 3", revision="r2"),  # broken again
        broken("rendering web failed: other.yaml: line 3", revision="r2"),
    ]:
        bus.publish(event)
    await settle(clock, 10)

    chat = [text for host, text in received(sender) if host == "chat.example.com"]
    hook = [text for host, text in received(sender) if host == "hook.example.com"]
    marks = ("bad.yaml", "other.yaml", "0 changed at r2")
    assert [next(m for m in marks if m in text) for text in chat] == [
        "bad.yaml",
        "other.yaml",
        "other.yaml",  # at r2
        "0 changed at r2",
        "other.yaml",
    ]
    assert hook == [
        "reconcile.failed at r1: rendering web failed: bad.yaml: line 1",
        "reconcile.failed at r1: rendering web failed: other.yaml: line 3",
        "reconcile.failed at r2: rendering web failed: other.yaml: line 3",
        "reconcile.failed at r2: rendering web failed: other.yaml: line 3",
    ]

    def count(provider: str, result: str) -> float | None:
        labels = {"provider": f"Provider/{provider}", "result": result}
        return metrics.registry.get_sample_value("trueup_notifications_total", labels)

    assert (count("chat", "sent"), count("chat", "deduplicated")) == (5.0, 5.0)
    assert (count("hook", "sent"), count("hook", "deduplicated")) == (4.0, 5.0)
    await notifier.stop(grace=1.0)


async def test_an_unchanged_failure_is_sent_again_after_an_hour_of_the_clock(
    tmp_path: Path,
) -> None:
    bus, clock, sender = EventBus(), ManualClock(), HostSender()
    config = load(tmp_path, FAILURE_ALERTS)
    notifier = Notifier(bus, lambda: config, clock=clock, rand=_Half(), sender=sender)
    notifier.start()
    bus.publish(broken())
    await settle(clock)
    for _ in range(11):  # the daemon's retries at its five-minute cap, for 55 minutes
        await clock.advance(300.0)
        bus.publish(broken())
        await settle(clock)
    assert len(sender.sent) == 2
    await clock.advance(300.0)  # an hour since the failure was sent
    bus.publish(broken())
    bus.publish(broken())
    await settle(clock, 2)
    assert sorted(host for host, _ in sender.sent) == [
        "chat.example.com",
        "chat.example.com",
        "hook.example.com",
        "hook.example.com",
    ]
    hook = [text for host, text in received(sender) if host == "hook.example.com"]
    assert hook == ["reconcile.failed at r1: rendering web failed: bad.yaml: line 1"] * 2
    await notifier.stop(grace=1.0)


async def test_a_failure_given_up_on_is_sent_again_at_the_next_retry(tmp_path: Path) -> None:
    bus, clock, sender = EventBus(), ManualClock(), HostSender()
    sender.answers["hook.example.com"] = outcome_of(500)
    config = load(tmp_path, FAILURE_ALERTS)
    heard: list[Event] = []
    bus.listen(heard.append)
    notifier = Notifier(
        bus,
        lambda: config,
        clock=clock,
        rand=_Half(),
        sender=sender,
        policy=DeliveryPolicy(attempts=2),
    )
    notifier.start()
    bus.publish(broken())
    bus.publish(broken())  # a repeat while the first is being retried: not queued
    await settle(clock, 10)
    assert [e.kind for e in heard].count(Kind.NOTIFICATION_DROPPED) == 1
    assert [host for host, _ in sender.sent].count("hook.example.com") == 2  # two attempts
    del sender.answers["hook.example.com"]
    bus.publish(broken())  # the endpoint never got it: this retry's failure is news to it
    bus.publish(broken())
    await settle(clock, 10)
    assert [host for host, _ in sender.sent].count("hook.example.com") == 3
    assert [host for host, _ in sender.sent].count("chat.example.com") == 1
    await notifier.stop(grace=1.0)


class _Half:
    def random(self) -> float:
        return 0.5

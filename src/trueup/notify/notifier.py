"""The notifier: the daemon's events, routed by the Alerts, onto each Provider's queue.

It reads the daemon's event bus from a subscription of its own, so publishing an event
never waits for it, and it hands each matching event to the queue of each Provider
(:mod:`trueup.notify.delivery`), which never waits either: a slow or failing endpoint
delays nothing but its own notifications. It follows the configuration the daemon runs
(re-read when the daemon re-reads it); while the daemon has not started (a follower
waiting to lead) nothing is sent. A notification given up on is published as a
``notification.dropped`` event, which the log shows and no Alert sends. Forge Providers
(``github``, ``gitlab``, ``gitea``) post commit statuses through the same queues
(:mod:`trueup.notify.commit_status`). A ``reconcile.succeeded`` that repeats the App's
last one, or a ``reconcile.failed`` that repeats the failure last sent to a Provider, is not
sent to chat and webhook Providers (:mod:`trueup.notify.repeats`). With
``metrics``, each notification is counted as sent, failed or deduplicated.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable

from trueup.config import LoadedConfig
from trueup.daemon.backoff import Random
from trueup.daemon.clock import Clock
from trueup.daemon.events import Event, EventBus, Kind, Level, Subscription
from trueup.daemon.metrics import Metrics
from trueup.masking import Masker
from trueup.notify.commit_status import CommitStatuses
from trueup.notify.delivery import DeliveryPolicy, ProviderQueue
from trueup.notify.message import Notification, notification_of
from trueup.notify.repeats import Repeats
from trueup.notify.routing import Destination, Routes
from trueup.notify.sender import HttpSender, Sender
from trueup.objects import ObjectId


class Notifier:
    """Sends the events the configuration's Alerts select to their Providers."""

    def __init__(
        self,
        bus: EventBus,
        config: Callable[[], LoadedConfig | None],
        *,
        clock: Clock,
        rand: Random,
        sender: Sender | None = None,
        policy: DeliveryPolicy | None = None,
        installation: str | None = None,
        metrics: Metrics | None = None,
    ) -> None:
        """``installation`` names the cluster in commit-status contexts when a forge
        Provider has no ``cluster`` of its own; ``metrics`` counts the notifications."""
        self._bus, self._config = bus, config
        self._metrics = metrics
        self._repeats = Repeats()
        self._statuses = CommitStatuses(installation)
        self._clock, self._rand = clock, rand
        self._sender = sender
        self._policy = policy or DeliveryPolicy()
        self._seen: LoadedConfig | None = None
        self._routes: Routes | None = None
        self._masker = Masker()
        self._queues: dict[ObjectId, ProviderQueue] = {}
        self._subscription: Subscription | None = None
        self._task: asyncio.Task[None] | None = None
        self._retiring: set[asyncio.Task[None]] = set()

    def start(self) -> None:
        """Follow the bus from now on."""
        self._subscription = self._bus.subscribe()
        self._task = asyncio.create_task(self._run(), name="notifier")

    async def stop(self, grace: float) -> None:
        """Stop following the bus, give pending notifications up to ``grace`` seconds (of
        the real clock) to go out, then stop every queue."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._subscription is not None:
            self._subscription.close()
            while not self._subscription.queue.empty():
                self.route(self._subscription.queue.get_nowait())
        queues = list(self._queues.values())
        if queues:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(grace):
                    await asyncio.gather(*(queue.drained() for queue in queues))
        for queue in queues:
            await queue.stop()
        self._queues.clear()
        if self._retiring:
            await asyncio.gather(*self._retiring, return_exceptions=True)
        if self._sender is not None:
            await self._sender.aclose()
        await self._statuses.aclose()

    async def _run(self) -> None:
        assert self._subscription is not None
        while True:
            self.route(await self._subscription.next())

    def route(self, event: Event) -> None:
        """Queue ``event`` for every Provider whose Alerts select it."""
        config = self._config()
        if config is None:
            return
        if config is not self._seen:
            self._follow(config)
        self._statuses.remember(event)
        destinations = self._routes.destinations_for(event) if self._routes else []
        chat = (destination.id for destination in destinations if destination.type.forge is None)
        news = self._repeats.news(event, chat, self._clock.now())
        for destination in destinations:
            if destination.type.forge is None and destination.id not in news:
                self._count(destination, "deduplicated")
                continue
            notification = notification_of(event, self._masker, destination.dashboard_url)
            if destination.type.forge is None:
                self._queues[destination.id].offer(notification)
            elif (status_change := self._statuses.prepare(notification)) is not None:
                self._queues[destination.id].offer(status_change)

    def _follow(self, config: LoadedConfig) -> None:
        """Take the Alerts and Providers of ``config``: queues of unchanged Providers carry
        on; a changed Provider's pending notifications move to its new queue."""
        self._seen = config
        self._routes = Routes(config)
        self._repeats.forget(
            {app.metadata.name for app in config.apps}, set(self._routes.destinations)
        )
        self._masker = Masker(config.secret_values())
        if self._routes.destinations and self._sender is None:
            self._sender = HttpSender()
        kept: dict[ObjectId, ProviderQueue] = {}
        for id_, destination in self._routes.destinations.items():
            old = self._queues.pop(id_, None)
            if old is not None and old.destination == destination:
                kept[id_] = old
                continue
            assert self._sender is not None
            queue = ProviderQueue(
                destination,
                self._sender,
                policy=self._policy,
                clock=self._clock,
                rand=self._rand,
                on_drop=self._dropped,
                on_sent=lambda _notification, sent_to: self._count(sent_to, "sent"),
                attempt=self._statuses.attempt_for(destination)
                if destination.type.forge is not None
                else None,
            )
            queue.start()
            if old is not None:
                for notification in old.take_pending():
                    queue.offer(notification)
                self._retire(old)
            kept[id_] = queue
        for old in self._queues.values():
            for notification in old.take_pending():
                self._dropped(notification, old.destination, "its Provider left the configuration")
            self._retire(old)
        self._queues = kept
        self._retire_forges(set(self._routes.destinations.values()))

    def _retire(self, queue: ProviderQueue) -> None:
        """Stop ``queue`` in the background (its attempt in flight is cancelled)."""
        task = asyncio.ensure_future(queue.stop())
        self._retiring.add(task)
        task.add_done_callback(self._retiring.discard)

    def _retire_forges(self, destinations: set[Destination]) -> None:
        """Close the forge clients of Providers no longer configured, in the background."""
        task = asyncio.ensure_future(self._statuses.retain(destinations))
        self._retiring.add(task)
        task.add_done_callback(self._retiring.discard)

    def _count(self, destination: Destination, result: str) -> None:
        if self._metrics is not None:
            self._metrics.notifications.labels(destination.label, result).inc()

    def _dropped(self, notification: Notification, destination: Destination, why: str) -> None:
        self._count(destination, "failed")
        if notification.app is not None and notification.reason == Kind.RECONCILE_FAILED.value:
            self._repeats.undelivered(notification.app, destination.id, notification.revision)
        about = notification.reason
        if notification.app:
            about += f" of {notification.app}"
        self._bus.publish(
            Event(
                Kind.NOTIFICATION_DROPPED,
                f"notification ({about}) to {destination.label} dropped: {why}",
                app=notification.app,
                level=Level.WARNING,
                fields={"provider": destination.label, "notified": notification.reason},
            )
        )

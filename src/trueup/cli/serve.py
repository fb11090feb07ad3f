"""``trueup serve``: run the daemon in the foreground until SIGTERM or SIGINT.

Wires the daemon to the same configuration, store, Git cache and targets the other
commands use; SIGHUP re-reads the configuration. Logs go to stderr: JSON lines, or plain
lines when stderr is a terminal (``--log-format`` decides otherwise).
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from enum import StrEnum
from pathlib import Path

from aiohttp import web

from trueup.api.server import Api
from trueup.api.views import Views
from trueup.cli.discovery import announce, local_url, withdraw
from trueup.cli.settings import Settings
from trueup.config import LoadedConfig, config_files, load_config
from trueup.daemon.backoff import default_random
from trueup.daemon.clock import SystemClock
from trueup.daemon.daemon import Daemon, DaemonOptions
from trueup.daemon.events import Event, EventBus, Kind, Level
from trueup.daemon.feed import EventFeed
from trueup.daemon.http import Address, Listener, check_exposure
from trueup.daemon.leader import (
    Elector,
    LeaseElector,
    StoreElector,
    Waiting,
    default_identity,
    election_name,
)
from trueup.daemon.logs import LogWriter
from trueup.daemon.metrics import Metrics
from trueup.daemon.recording import EventRecorder, Retention
from trueup.daemon.routes import hook_routes, probe_routes
from trueup.dashboard import Dashboard
from trueup.devcluster.paths import cache_dir
from trueup.errors import ConfigError, NotLeaderError, TrueupError
from trueup.notify import Notifier
from trueup.source import GitFetcher
from trueup.store import SqliteStore, Store
from trueup.targets.kubernetes.client import KubernetesTarget
from trueup.targets.kubernetes.pool import KubernetesTargets

NOTIFY_GRACE = 5.0
"""Seconds pending notifications get to go out when ``serve`` stops."""


class LogFormat(StrEnum):
    """How ``serve`` writes its log."""

    AUTO = "auto"
    JSON = "json"
    TEXT = "text"


@dataclass(frozen=True, slots=True)
class ServeOptions:
    """The options of ``trueup serve``."""

    listen: Address
    webhook_listen: Address | None
    daemon: DaemonOptions
    log_format: LogFormat = LogFormat.AUTO
    lease_duration: timedelta = timedelta(seconds=15)
    """How long a leader's lease holds unrenewed; renewed every 2/15 of it, lost when not
    renewed within 2/3 of it (client-go's 15 s, 2 s and 10 s by default)."""
    events: Retention = field(default_factory=Retention)
    """How long recorded events are kept."""
    insecure_no_auth: bool = False
    """Serve the API without tokens beyond loopback (``--insecure-no-auth-on-network``)."""


def fingerprint(path: Path) -> object:
    """What changes when a configuration file under ``path`` is added, removed or edited."""
    try:
        files = config_files(path)
    except ConfigError:
        return None
    seen = []
    for file in files:
        try:
            stat = file.stat()
        except OSError:
            continue
        seen.append((str(file), stat.st_mtime_ns, stat.st_size))
    return tuple(seen)


def elector_for(
    config: LoadedConfig,
    store: Store,
    lease_targets: KubernetesTargets,
    installation: str,
    lease: timedelta,
    on_wait: Callable[[Waiting], None],
    on_lost: Callable[[str], None],
) -> Elector:
    """Who decides which of several ``trueup serve`` processes of one installation acts.

    Where every App goes to one cluster, a ``coordination.k8s.io/v1`` Lease in it (in the
    kubeconfig context's namespace), the mechanism that carries over when trueup runs
    inside Kubernetes; otherwise a lock in the store, which every process shares.
    """
    name, identity = election_name(installation), default_identity()
    renew, retry = lease * 2 / 3, lease * 2 / 15
    places = {(app.spec.kubeconfig, app.spec.context) for app in config.apps}
    if len(places) == 1:
        kubeconfig, context = next(iter(places))
        target = lease_targets.get(kubeconfig, context)
        if isinstance(target, KubernetesTarget):
            namespace = target.default_namespace
            return LeaseElector(
                target,
                namespace,
                name,
                identity,
                lease_duration=lease,
                renew_deadline=renew,
                retry_period=retry,
                on_wait=on_wait,
                on_lost=on_lost,
            )
    return StoreElector(
        store,
        name,
        identity,
        lease_duration=lease,
        renew_deadline=renew,
        retry_period=retry,
        on_wait=on_wait,
        on_lost=on_lost,
    )


async def run(settings: Settings, options: ServeOptions) -> None:
    """Serve until a signal stops the daemon; raise ConfigError before starting if the
    configuration file is missing or a listener cannot be opened, and NotLeaderError after
    losing the leadership (a supervisor starts it again, as a follower)."""
    if not settings.config.exists():
        raise ConfigError(f"{settings.config}: no such file or folder (check the --config path)")
    bus, metrics = EventBus(), Metrics()
    human = options.log_format is LogFormat.TEXT or (
        options.log_format is LogFormat.AUTO and sys.stderr.isatty()
    )
    bus.listen(LogWriter(sys.stderr, human=human))
    store = await SqliteStore.open(settings.store)
    # Lease renewals are API requests too: the same counter as the reconciles' requests.
    lease_targets = KubernetesTargets(
        settings.kubeconfig,
        settings.context,
        allow_exec=settings.allow_exec,
        on_response=metrics.count_response,
    )
    stopping = asyncio.Event()
    lost: list[str] = []

    def waiting(why: Waiting) -> None:
        bus.publish(Event(Kind.WAITING, f"waiting to lead: {why.message}"))

    def lose(message: str) -> None:
        lost.append(message)
        recorder.discard()  # a follower records nothing: the new leader does
        bus.publish(Event(Kind.LOST, message, level=Level.ERROR))
        stopping.set()
        daemon.stop(grace=0)

    installation = options.daemon.installation or await store.installation_id()
    read_as = fingerprint(settings.config)
    config = load_config(settings.config)
    unused = [config]

    def load() -> LoadedConfig:
        # The daemon's first load takes the configuration read here, unless a file changed
        # since: reading a configuration of 1,000 Apps twice would delay the start-up.
        if unused and fingerprint(settings.config) == read_as:
            return unused.pop()
        unused.clear()
        return load_config(settings.config)

    exposed = {"--listen": options.listen}
    if options.webhook_listen is not None:
        exposed["--webhook-listen"] = options.webhook_listen
    check_exposure(exposed, tokens=bool(config.api_tokens), insecure=options.insecure_no_auth)
    elector = elector_for(
        config, store, lease_targets, installation, options.lease_duration, waiting, lose
    )
    targets = KubernetesTargets(
        settings.kubeconfig,
        settings.context,
        allow_exec=settings.allow_exec,
        write_guard=elector.ensure_leader,
        on_response=metrics.count_response,
    )
    feed = EventFeed(store)
    recorder = EventRecorder(store, feed, report=bus.publish, retention=options.events)
    daemon = Daemon(
        load,
        store,
        GitFetcher(cache_dir() / "git"),
        targets,
        options=options.daemon,
        bus=bus,
        metrics=metrics,
        clock=SystemClock(),
        rand=default_random(),
        fingerprint=lambda: fingerprint(settings.config),
        feed=feed,
    )
    # Sends what the Alerts of the configuration the daemon runs select (none before it runs).
    notifier = Notifier(
        bus,
        lambda: daemon.config if daemon.started else None,
        clock=SystemClock(),
        rand=default_random(),
        installation=installation,
        metrics=metrics,
    )

    def stop() -> None:
        stopping.set()
        daemon.stop()

    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop)
    loop.add_signal_handler(signal.SIGHUP, daemon.reload)
    listeners: list[Listener] = []
    leading = False
    recording: asyncio.Task[None] | None = None
    announced: Path | None = None
    try:
        await _listen(daemon, options, bus, listeners)
        # The CLI finds this daemon's API by this file (trueup.cli.discovery).
        bound = listeners[0].address
        assert bound is not None  # started by _listen
        announced = announce(settings.store, settings.config, local_url(bound.host, bound.port))
        campaign = asyncio.ensure_future(elector.acquire())
        asked_to_stop = asyncio.ensure_future(stopping.wait())
        await asyncio.wait({campaign, asked_to_stop}, return_when=asyncio.FIRST_COMPLETED)
        asked_to_stop.cancel()
        if not campaign.done():
            campaign.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await campaign
            return
        campaign.result()
        leading = True
        # Only the leader records events: from its first as leader on.
        bus.listen(recorder.offer)
        recording = asyncio.create_task(recorder.run(), name="record events")
        notifier.start()
        bus.publish(Event(Kind.LEADING, f"leading as {elector.identity}"))
        await daemon.run()
    finally:
        if announced is not None:
            withdraw(announced)
        if leading:
            await notifier.stop(grace=NOTIFY_GRACE)
        if recording is not None:
            recording.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await recording
        feed.close()
        for listener in listeners:
            await listener.stop()
        for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            loop.remove_signal_handler(signum)
        if leading and not lost:
            with contextlib.suppress(TrueupError):
                await elector.release()
        await targets.aclose()
        await lease_targets.aclose()
        await store.close()
    if lost:
        raise NotLeaderError(f"{lost[0]}; exiting so that a supervisor starts a follower")


async def _listen(
    daemon: Daemon, options: ServeOptions, bus: EventBus, listeners: list[Listener]
) -> None:
    """Open the listeners (the probes answer while the daemon waits to lead)."""
    main = web.Application()
    dashboard = Dashboard(daemon, insecure=options.insecure_no_auth)
    api = Api(daemon, api_views(), insecure=options.insecure_no_auth, sessions=dashboard)
    main.add_routes(
        [*probe_routes(daemon), *hook_routes(daemon), *api.routes(), *dashboard.routes()]
    )
    addresses = [
        (main, options.listen, "the dashboard, /healthz, /readyz, /metrics, /hooks and /api")
    ]
    if options.webhook_listen is not None:
        hooks = web.Application()
        hooks.add_routes(hook_routes(daemon))
        addresses.append((hooks, options.webhook_listen, "/hooks"))
    for app, address, what in addresses:
        listener = Listener(app)
        bound = await listener.start(address)
        listeners.append(listener)
        bus.publish(
            Event(
                Kind.LISTENING, f"serving {what} on http://{bound}", fields={"listen": str(bound)}
            )
        )


def api_views() -> Views:
    """The CLI's own JSON shapes, for the API to answer in (see :mod:`trueup.api.views`)."""
    from trueup.cli.apps import report_data
    from trueup.cli.diff_output import diff_entries
    from trueup.cli.status import configured_apps, removed_apps, status_data

    return Views(
        configured=configured_apps,
        status=status_data,
        report=report_data,
        diff=diff_entries,
        removed=removed_apps,
    )

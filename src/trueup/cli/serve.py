"""``trueup serve``: run the daemon in the foreground until SIGTERM or SIGINT.

Wires the daemon to the same configuration, store, Git cache and targets the other
commands use; SIGHUP re-reads the configuration. Logs go to stderr: JSON lines, or plain
lines when stderr is a terminal (``--log-format`` decides otherwise).
"""

from __future__ import annotations

import asyncio
import signal
import sys
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from aiohttp import web

from trueup.cli.settings import Settings
from trueup.config import config_files, load_config
from trueup.daemon.backoff import default_random
from trueup.daemon.clock import SystemClock
from trueup.daemon.daemon import Daemon, DaemonOptions
from trueup.daemon.events import Event, EventBus, Kind
from trueup.daemon.http import Address, Listener
from trueup.daemon.logs import LogWriter
from trueup.daemon.metrics import Metrics
from trueup.daemon.routes import hook_routes, probe_routes
from trueup.devcluster.paths import cache_dir
from trueup.errors import ConfigError
from trueup.source import GitFetcher
from trueup.store import SqliteStore
from trueup.targets.kubernetes.pool import KubernetesTargets


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


async def run(settings: Settings, options: ServeOptions) -> None:
    """Serve until a signal stops the daemon; raise ConfigError before starting if the
    configuration file is missing or a listener cannot be opened."""
    if not settings.config.exists():
        raise ConfigError(f"{settings.config}: no such file or folder (check the --config path)")
    bus, metrics = EventBus(), Metrics()
    human = options.log_format is LogFormat.TEXT or (
        options.log_format is LogFormat.AUTO and sys.stderr.isatty()
    )
    bus.listen(LogWriter(sys.stderr, human=human))
    store = await SqliteStore.open(settings.store)
    targets = KubernetesTargets(
        settings.kubeconfig, settings.context, allow_exec=settings.allow_exec
    )
    daemon = Daemon(
        lambda: load_config(settings.config),
        store,
        GitFetcher(cache_dir() / "git"),
        targets,
        options=options.daemon,
        bus=bus,
        metrics=metrics,
        clock=SystemClock(),
        rand=default_random(),
        fingerprint=lambda: fingerprint(settings.config),
    )
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, daemon.stop)
    loop.add_signal_handler(signal.SIGHUP, daemon.reload)
    listeners: list[Listener] = []
    try:
        main = web.Application()
        main.add_routes([*probe_routes(daemon), *hook_routes(daemon)])
        addresses = [(main, options.listen, "/healthz, /readyz, /metrics and /hooks")]
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
                    Kind.LISTENING,
                    f"serving {what} on http://{bound}",
                    fields={"listen": str(bound)},
                )
            )
        await daemon.run()
    finally:
        for listener in listeners:
            await listener.stop()
        for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            loop.remove_signal_handler(signum)
        await targets.aclose()
        await store.close()

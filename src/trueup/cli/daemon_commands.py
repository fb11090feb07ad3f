"""``trueup serve | suspend | resume``: the daemon, and pausing an App through the store.

Suspending works against the store, so it reaches a running daemon (which looks at the
store every second) as well as later ``sync`` runs; who suspended the App and when is kept.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Annotated

import typer

from trueup.cli.options import AppArgument, duration

if TYPE_CHECKING:
    from trueup.cli.settings import Settings


def _settings(ctx: typer.Context) -> Settings:
    settings: Settings = ctx.obj
    return settings


def serve(
    ctx: typer.Context,
    listen: Annotated[
        str,
        typer.Option(
            "--listen",
            metavar="HOST:PORT",
            help="Where /healthz, /readyz, /metrics, /hooks and /api are served (beyond "
            "loopback only with ApiTokens, or --insecure-no-auth-on-network).",
        ),
    ] = "127.0.0.1:8080",
    webhook_listen: Annotated[
        str | None,
        typer.Option(
            "--webhook-listen",
            metavar="HOST:PORT",
            help="Serve /hooks on a listener of its own as well.",
        ),
    ] = None,
    concurrency: Annotated[
        int,
        typer.Option(
            "--concurrency", metavar="N", min=1, max=256, help="Apps reconciled at once (1-256)."
        ),
    ] = 8,
    grace_period: Annotated[
        timedelta,
        typer.Option(
            "--grace-period",
            metavar="DURATION",
            parser=duration,
            help="On SIGTERM or SIGINT, how long reconciles in flight may take to finish.",
        ),
    ] = "30s",  # type: ignore[assignment]  # typer parses the default with `duration`
    lease_duration: Annotated[
        timedelta,
        typer.Option(
            "--lease-duration",
            metavar="DURATION",
            parser=duration,
            help="Leader election among serve processes of one store: how long a lease holds.",
        ),
    ] = "15s",  # type: ignore[assignment]  # typer parses the default with `duration`
    log_format: Annotated[
        str,
        typer.Option(
            "--log-format",
            metavar="FORMAT",
            help="auto (text on a terminal, else json), json or text.",
        ),
    ] = "auto",
    insecure_no_auth_on_network: Annotated[
        bool,
        typer.Option(
            "--insecure-no-auth-on-network",
            help="Without ApiTokens, listen beyond loopback anyway: anyone who reaches the "
            "listener may read every App and sync, suspend and resume them.",
        ),
    ] = False,
    event_retention_days: Annotated[
        int,
        typer.Option(
            "--event-retention-days",
            metavar="DAYS",
            min=1,
            help="Keep recorded events this many days (see also --events-per-app).",
        ),
    ] = 90,
    events_per_app: Annotated[
        int,
        typer.Option(
            "--events-per-app",
            metavar="N",
            min=1,
            help="Keep at most this many recorded events per App (the newest).",
        ),
    ] = 10_000,
) -> None:
    """Keep every App equal to Git: poll sources, apply new revisions, until stopped.

    Runs in the foreground and logs one line per event to stderr. SIGTERM or SIGINT stops
    it gracefully; SIGHUP (or a changed configuration file) re-reads the configuration.
    """
    import asyncio

    from trueup.cli import serve as serving
    from trueup.cli.session import installation_id
    from trueup.daemon.daemon import DaemonOptions
    from trueup.daemon.http import parse_listen
    from trueup.daemon.recording import Retention

    settings = _settings(ctx)
    try:
        log = serving.LogFormat(log_format)
    except ValueError:
        raise typer.BadParameter("use auto, json or text", param_hint="--log-format") from None
    options = serving.ServeOptions(
        listen=parse_listen(listen, "--listen"),
        webhook_listen=parse_listen(webhook_listen, "--webhook-listen") if webhook_listen else None,
        daemon=DaemonOptions(
            concurrency=concurrency,
            grace_period=grace_period.total_seconds(),
            render_limits=settings.render_limits,
            installation=installation_id(),
        ),
        log_format=log,
        lease_duration=lease_duration,
        insecure_no_auth=insecure_no_auth_on_network,
        events=Retention(timedelta(days=event_retention_days), events_per_app),
    )
    asyncio.run(serving.run(settings, options))


def suspend(
    ctx: typer.Context,
    app: AppArgument,
    reason: Annotated[
        str, typer.Option("--reason", metavar="TEXT", help="Why, for whoever reads status.")
    ] = "",
) -> None:
    """Stop reconciling APP (the daemon, and sync) until `trueup resume APP`.

    With a trueup serve running for the configuration, it goes through that daemon.
    """
    import asyncio
    from datetime import UTC, datetime

    from trueup.cli import via_daemon
    from trueup.cli.output import out
    from trueup.cli.recorded import open_store
    from trueup.cli.session import trigger
    from trueup.cli.status import configured_apps, unknown_app
    from trueup.config import load_config
    from trueup.errors import ConfigError

    done = f"App/{app} suspended; `trueup resume {app}` lets it be reconciled again"
    if via_daemon.suspend(_settings(ctx), app, reason) is not None:
        out.print(done)
        return
    known = configured_apps(load_config(_settings(ctx).config))
    if app not in known:
        raise ConfigError(unknown_app(app, known))

    async def run() -> None:
        async with open_store(_settings(ctx)) as store:
            await store.suspend(app, by=trigger(), at=datetime.now(UTC), reason=reason)

    asyncio.run(run())
    out.print(done)


def resume(ctx: typer.Context, app: AppArgument) -> None:
    """Let APP follow Git again: after `trueup suspend APP`, or `trueup rollback APP`.

    Lifts both a suspension and a rollback's pin; the next sync (the daemon's at once)
    applies what Git says now. With a trueup serve running for the configuration, it goes
    through that daemon.
    """
    import asyncio

    from trueup.cli import via_daemon
    from trueup.cli.output import out
    from trueup.cli.recorded import open_store

    async def run() -> tuple[bool, bool]:
        async with open_store(_settings(ctx)) as store:
            return await store.resume(app), await store.unpin(app)

    remote = via_daemon.resume(_settings(ctx), app)
    if remote is None:
        resumed, unpinned = asyncio.run(run())
    else:
        resumed, unpinned = bool(remote["resumed"]), bool(remote.get("unpinned"))
    if resumed:
        out.print(f"App/{app} resumed")
    if unpinned:
        follows = "; the daemon applies it now" if remote is not None else ""
        out.print(f"App/{app} unpinned: it follows Git again (`trueup sync {app}`){follows}")
    if not resumed and not unpinned:
        out.print(f"App/{app} was neither suspended nor pinned")


def delete(
    ctx: typer.Context,
    app: AppArgument,
    cascade: Annotated[
        bool,
        typer.Option(
            "--cascade", help="Delete the App's objects first, under the guards of a prune."
        ),
    ] = False,
) -> None:
    """Forget APP, an App no longer in the configuration; with --cascade delete its objects.

    Without --cascade its objects stay, unmanaged. Its history is kept either way. Exits 1
    when an object could not be deleted (the App is then kept, to run this again).
    """
    import asyncio

    from trueup.cli.output import error, out, progress
    from trueup.cli.recorded import open_store
    from trueup.cli.session import installation_id, trigger
    from trueup.cli.status import configured_apps
    from trueup.config import load_config
    from trueup.errors import ConfigError
    from trueup.targets.kubernetes.pool import KubernetesTargets
    from trueup.teardown import Deletion, delete_app

    settings = _settings(ctx)
    if app in configured_apps(load_config(settings.config)):
        raise ConfigError(
            f"App/{app} is still in the configuration ({settings.config}); remove it there "
            "first, or the daemon keeps reconciling it"
        )

    async def run() -> Deletion:
        targets = KubernetesTargets(
            settings.kubeconfig, settings.context, allow_exec=settings.allow_exec
        )
        try:
            async with open_store(settings) as store:
                return await delete_app(
                    store,
                    targets.get(),
                    app,
                    cascade=cascade,
                    trigger=trigger(),
                    installation=installation_id() or await store.installation_id(),
                    progress=progress,
                )
        finally:
            await targets.aclose()

    done = asyncio.run(run())
    for change in done.changes.changes:
        reason = f" ({change.reason})" if change.reason else ""
        out.print(f"{change.id}: {change.action.value}{reason}")
    if done.failure is not None:
        error(f"{done.failure.message}; App/{app} is kept: run this again")
        raise typer.Exit(1)
    objects = "its objects were deleted" if cascade else "its objects stay where they are"
    out.print(f"App/{app} deleted: {objects}; its history is kept (trueup history {app})")

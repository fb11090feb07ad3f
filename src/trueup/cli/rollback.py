"""``trueup rollback APP --to REVISION``: put an App back to a revision it applied before.

Without ``--revert`` the App is pinned there (see :mod:`trueup.rollback.pin`): synced now
at that revision, with the inputs recorded for it, and kept there (drift corrected towards
it, new revisions not applied) until ``trueup resume APP``. With ``--revert`` the rollback
is committed to Git instead (see :mod:`trueup.cli.rollback_revert`). With a trueup serve
running for the configuration, the rollback goes through it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from trueup.cli.options import AppArgument, Format, OutputOption

if TYPE_CHECKING:
    from trueup.cli.settings import Settings


def _settings(ctx: typer.Context) -> Settings:
    settings: Settings = ctx.obj
    return settings


def rollback(
    ctx: typer.Context,
    app: AppArgument,
    to: Annotated[
        str,
        typer.Option(
            "--to",
            metavar="REVISION",
            help="A revision APP applied, as `trueup history APP` shows it, or 7 or more hex "
            "digits of its commit.",
        ),
    ],
    revert: Annotated[
        bool,
        typer.Option(
            "--revert",
            help="Commit the rollback to the source's branch (Git stays the truth) instead "
            "of pinning APP.",
        ),
    ] = False,
    yes: Annotated[
        bool,
        typer.Option("--yes", help="With --revert: do not ask when other Apps change too."),
    ] = False,
    reason: Annotated[
        str, typer.Option("--reason", metavar="TEXT", help="Why, for whoever reads status.")
    ] = "",
    output: OutputOption = Format.TABLE,
) -> None:
    """Roll APP back to REVISION, a revision it applied successfully.

    Pin mode (the default): APP is synced at REVISION's commit with the chart version and
    digest recorded for it, and stays there: new commits are not applied, drift is put back
    towards REVISION, and status shows it Pinned and OutOfSync with Git, until
    `trueup resume APP`. With --revert: commits restoring what APP read at REVISION are
    pushed, and a normal sync applies them.
    """
    if revert:
        from trueup.cli.rollback_revert import run_revert

        run_revert(ctx, app, to, yes=yes, reason=reason, output=output)
        return
    if yes:
        raise typer.BadParameter("only --revert asks for confirmation", param_hint="--yes")
    data = _pin(_settings(ctx), app, to, reason)
    _print(data, output)


def _pin(settings: Settings, app: str, to: str, reason: str) -> dict[str, Any]:
    """The rollback in pin mode, through a running daemon or here; as plain data."""
    import asyncio
    from datetime import UTC, datetime

    from trueup.cli import via_daemon
    from trueup.cli.apps import report_data
    from trueup.cli.output import progress
    from trueup.cli.session import open_engine, trigger
    from trueup.engine import SyncOptions, SyncReport
    from trueup.rollback.pin import roll_back, rollback_data
    from trueup.rollback.shown import pin_event

    remote = via_daemon.rollback(settings, app, to, reason=reason)
    if remote is not None:
        answer: dict[str, Any] = remote
        return answer

    async def run() -> dict[str, Any]:
        async with open_engine(settings, app) as engine:
            engine.app(app)  # an App not in the configuration is refused before anything

            async def sync(name: str, options: SyncOptions) -> SyncReport:
                return await engine.sync(name, options, progress)

            done = await roll_back(
                engine.store, sync, app, to, trigger=trigger(), at=datetime.now(UTC), reason=reason
            )
            # No daemon runs to report the pin it would find: record its event here.
            await engine.store.record_events([pin_event(done.pin)])
            return rollback_data(done, report_data(done.report))

    return asyncio.run(run())


def _print(data: dict[str, Any], output: Format) -> None:
    """A rollback as ``rollback`` prints it; exits 1 when its sync failed (2 when the
    configuration kept it from running), the App staying pinned either way."""
    from trueup.cli.formats import dump
    from trueup.cli.output import error, notice, out, warn
    from trueup.cli.status import short
    from trueup.failure import Reason

    report = data["report"]
    if output is Format.TABLE:
        out.print(
            f"App/{data['app']} pinned at {short(data['revision'])} by {data['by']}: "
            f"{report['summary']}; health {report['health']}"
        )
    else:
        dump(data, output)
    for line in [*data["notes"], *report["warnings"]]:
        warn(line)
    notice(
        f"new revisions of its source are not applied until `trueup resume {data['app']}`; "
        "drift is put back towards the pinned revision"
    )
    if (failure := report["failure"]) is not None:
        error(failure["message"])
        raise typer.Exit(2 if failure["reason"] == Reason.CONFIG.value else 1)


async def git_heads(settings: Settings, names: list[str]) -> dict[str, str | None]:
    """The revision each App's source ref is at now (None where Git cannot be read), for
    ``status`` to compare pinned Apps with."""
    from trueup.cli.session import open_engine
    from trueup.errors import TrueupError

    heads: dict[str, str | None] = {}
    for name in names:
        try:
            async with open_engine(settings, name, quiet=True) as engine:
                heads[name] = (await engine.fetch(engine.app(name))).revision
        except TrueupError:
            heads[name] = None
    return heads

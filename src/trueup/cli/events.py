"""``trueup events``: what the daemon recorded, from the store; ``--follow`` tails it.

Events are printed oldest first, the newest last, as a log reads. Following polls the
store for what was recorded after the last event shown, so it works whether or not a
daemon runs (and shows nothing new while none does), until Ctrl-C.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from trueup.cli.options import Format, OutputOption

if TYPE_CHECKING:
    from trueup.cli.settings import Settings
    from trueup.store import EventRecord, Store

EVENT_COLUMNS = ("TIME (UTC)", "APP", "SEVERITY", "REASON", "REVISION", "MESSAGE")
MESSAGE_WIDTH = 100
"""Where a long message wraps in the table."""
FOLLOW_EVERY = 0.5
"""Seconds between looks at the store while following."""
FOLLOW_PAGE = 500
"""Events read from the store at a time while following."""
FOLLOW_WIDTHS = (19, 16, 8, 19, 22)
"""The widths of the columns but the message while following (longer cells push on)."""


def events(
    ctx: typer.Context,
    app: Annotated[
        str | None,
        typer.Argument(metavar="[APP]", help="Only this App's events (default: every event)."),
    ] = None,
    follow: Annotated[
        bool,
        typer.Option("--follow", "-f", help="Keep printing new events as they are recorded."),
    ] = False,
    limit: Annotated[
        int, typer.Option(min=1, metavar="N", help="Show at most this many recent events.")
    ] = 50,
    output: OutputOption = Format.TABLE,
) -> None:
    """The events the daemon recorded (reconciles, drift, reverts, health, suspensions,
    webhooks), oldest first.

    With --follow, new events are printed as they are recorded until Ctrl-C; -o json then
    prints one JSON object per line, -o yaml one document per event. An App that is
    neither in the configuration nor in the store exits 2.
    """
    import asyncio

    from trueup.cli.recorded import open_store

    settings: Settings = ctx.obj

    async def run() -> None:
        async with open_store(settings) as store:
            if app is not None:
                await _check_known(settings, store, app)
            recent = await store.events(app=app, limit=limit)
            shown = recent[::-1]
            _print(shown, output, streaming=follow)
            if follow:
                last = shown[-1].id if shown else await _newest_id(store)
                await _follow(store, app, last, output)

    try:
        asyncio.run(run())
    except KeyboardInterrupt:
        if not follow:
            raise


async def _check_known(settings: Settings, store: Store, app: str) -> None:
    from trueup.cli.status import configured_apps, unknown_app
    from trueup.config import load_config
    from trueup.errors import ConfigError

    recorded = await store.apps()
    if app in recorded or await store.events(app=app, limit=1):
        return
    configured = configured_apps(load_config(settings.config))
    if app not in configured:
        raise ConfigError(unknown_app(app, {*configured, *recorded}))


async def _newest_id(store: Store) -> int:
    newest = await store.events(limit=1)
    return (newest[0].id or 0) if newest else 0


async def _follow(store: Store, app: str | None, last: int | None, output: Format) -> None:
    """Print what is recorded after event ``last`` (of ``app``), until cancelled."""
    import asyncio

    while True:
        found = await store.events(app=app, after_id=last, limit=FOLLOW_PAGE, newest_first=False)
        if found:
            _print(found, output, streaming=True, header=False)
            last = found[-1].id
        if len(found) < FOLLOW_PAGE:
            await asyncio.sleep(FOLLOW_EVERY)


def _print(
    records: list[EventRecord], output: Format, *, streaming: bool, header: bool = True
) -> None:
    from trueup.cli.formats import dump, table
    from trueup.cli.output import out

    if output is Format.TABLE:
        if streaming:  # the widths of rows to come are not known: columns of fixed width
            if header:
                out.print(_line(EVENT_COLUMNS), style="bold")
            for record in records:
                out.print(_line(_row(record)))
        else:
            table(EVENT_COLUMNS, [_row(r) for r in records], max_widths={"MESSAGE": MESSAGE_WIDTH})
        return
    if not streaming:
        dump([record.as_data() for record in records], output)
        return
    for record in records:
        if output is Format.JSON:
            import orjson

            out.print(orjson.dumps(record.as_data()).decode())
        else:
            out.print("---")
            dump(record.as_data(), output)


def _line(cells: tuple[str, ...]) -> str:
    padded = [cell.ljust(width) for cell, width in zip(cells, FOLLOW_WIDTHS, strict=False)]
    return "  ".join([*padded, *cells[len(FOLLOW_WIDTHS) :]])


def _row(record: EventRecord) -> tuple[str, ...]:
    from trueup.cli.output import printable
    from trueup.cli.status import short

    return (
        record.at.strftime("%Y-%m-%d %H:%M:%S"),
        record.app or "-",
        record.level.value,
        record.kind.value,
        short(record.revision),
        printable(record.message),
    )

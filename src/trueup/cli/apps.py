"""``trueup build | diff | sync | status | history``: the engine from the command line.

Exit codes CI can rely on: 0 success; ``diff`` 1 when there is a difference; 1 when a sync
failed or did not become healthy; 2 for an error before anything ran (bad configuration,
unknown app, unreachable store, an App its configuration keeps from syncing, such as a
suspended one). ``-o json|yaml`` adds the failure's reason class and whether it is
temporary (retrying later may succeed), for scripts that decide to retry.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Annotated, Any

import typer

from trueup.cli.options import AppArgument, Format, OutputOption, duration

if TYPE_CHECKING:
    from trueup.cli.settings import Settings
    from trueup.engine import SyncReport
    from trueup.store import Attempt


def _settings(ctx: typer.Context) -> Settings:
    settings: Settings = ctx.obj
    return settings


def build(
    ctx: typer.Context,
    app: AppArgument,
    show_secrets: Annotated[
        bool, typer.Option("--show-secrets", help="Print Secret values instead of a mask.")
    ] = False,
    output: OutputOption = Format.YAML,
) -> None:
    """Print the objects APP renders to, in apply order, as a sync would apply them.

    Secret values are masked unless --show-secrets is given. -o table lists each object's
    stage and the file it came from.
    """
    import asyncio

    from trueup.cli.build_output import BUILD_COLUMNS, BuiltObject, build_rows, in_apply_order
    from trueup.cli.formats import dump, table
    from trueup.cli.masked_output import ValueMask
    from trueup.cli.output import out
    from trueup.cli.session import open_engine
    from trueup.plan import mask_secret

    async def run() -> tuple[list[BuiltObject], ValueMask]:
        async with open_engine(_settings(ctx), app) as engine:
            spec = engine.app(app)
            artifact = await engine.fetch(spec)
            rendered = await engine.render(spec, artifact)
            prepared = await engine.desired(spec, rendered, engine.target(spec))
            return in_apply_order(rendered, prepared), ValueMask(rendered.masked_values)

    built, hidden = asyncio.run(run())
    objects = [
        item.obj if show_secrets else hidden.strings(mask_secret(item.obj)) for item in built
    ]
    if output is Format.TABLE:
        table(BUILD_COLUMNS, build_rows(built))
    elif output is Format.JSON:
        dump(objects, output)
    else:
        for obj in objects:
            out.print("---")
            dump(obj, Format.YAML)


def diff(
    ctx: typer.Context,
    app: AppArgument,
    output: Annotated[
        Format | None,
        typer.Option(
            "--output", "-o", metavar="FORMAT", help="json or yaml instead of the diff text."
        ),
    ] = None,
    ref: Annotated[
        str | None,
        typer.Option(
            "--ref",
            metavar="REF",
            help="Render APP at this branch, tag or commit of its source (a pull request's) and "
            "diff it with the render of its current revision: no cluster needed.",
        ),
    ] = None,
    live: Annotated[
        bool,
        typer.Option(
            "--live", help="With --ref: diff REF's render with the cluster (a server dry-run)."
        ),
    ] = False,
) -> None:
    """Show what a sync of APP would change, from a server dry-run; change nothing.

    Prints a unified diff per object (Secret values masked), or with -o json|yaml a list
    with each object's action, live and desired state and diff. Exits 0 when nothing would
    change, 1 when something would, 2 when it cannot tell. With --ref, APP at REF is
    rendered as untrusted (no Secret read, no SOPS file decrypted: their values show as
    placeholders) and compared with its render now; --live compares it with the cluster.
    """
    import asyncio

    from trueup.cli.diff_output import diff_entries
    from trueup.cli.formats import dump
    from trueup.cli.output import error, out, progress, warn
    from trueup.cli.session import open_engine, trigger
    from trueup.engine import SyncOptions

    if output is Format.TABLE:
        raise typer.BadParameter(
            "diff prints a diff, not a table; use -o json or -o yaml", param_hint="--output"
        )
    if ref is not None and not live:
        from trueup.cli.preview import diff_at_ref

        diff_at_ref(_settings(ctx), app, ref, None if output is None else output.value)

    async def run() -> SyncReport:
        async with open_engine(_settings(ctx), app) as engine:
            at = None
            if ref is not None:  # the ref's branch, tag or commit, as it exists
                from trueup.preview.refs import fetch_ref

                at, _ = await fetch_ref(engine, engine.app(app), ref)
            options = SyncOptions(dry_run=True, trigger=trigger(), ref=at)
            return await engine.sync(app, options, progress)

    report = asyncio.run(run())
    if report.error:
        error(report.error)
        raise typer.Exit(2)
    for line in report.warnings:
        warn(line)
    entries = diff_entries(report)
    if output is None:
        for entry in entries:
            out.print(entry["diff"].rstrip("\n"))
    else:
        dump(entries, output)
    raise typer.Exit(1 if entries else 0)


def sync(
    ctx: typer.Context,
    app: AppArgument,
    dry_run: Annotated[
        bool,
        typer.Option(
            "--dry-run", help="Only ask the server to dry-run: change and record nothing."
        ),
    ] = False,
    prune: Annotated[
        bool | None,
        typer.Option(
            "--prune/--no-prune", help="Delete what Git no longer declares (default: spec.prune)."
        ),
    ] = None,
    wait: Annotated[
        bool | None,
        typer.Option(
            "--wait/--no-wait",
            help="Succeed only once every object is Healthy (default: spec.wait).",
        ),
    ] = None,
    timeout: Annotated[
        timedelta | None,
        typer.Option(
            metavar="DURATION",
            parser=duration,
            help="How long --wait waits, such as 90s or 2m (default: spec.timeout).",
        ),
    ] = None,
    ignore_dependencies: Annotated[
        bool,
        typer.Option(
            "--ignore-dependencies",
            help="Sync even if an App in spec.dependsOn has not succeeded at its current revision.",
        ),
    ] = False,
    objects: Annotated[
        list[str] | None,
        typer.Option(
            "--object",
            metavar="KIND/NAMESPACE/NAME",
            help="Apply only this object of the revision (repeatable; Kind/name when "
            "cluster-scoped): no prune, no hooks.",
        ),
    ] = None,
    output: OutputOption = Format.TABLE,
) -> None:
    """Reconcile APP once: fetch, render, apply, prune, check health, record the attempt.

    One sync, then exit: spec.interval and spec.selfHeal are settings of the daemon. With a
    trueup serve running for the configuration, the sync goes through it. With --object,
    only the objects named are applied (a partial sync: the App stays OutOfSync while
    others differ, and its last successful sync stays the last full one).
    """
    import asyncio

    from trueup.cli import via_daemon
    from trueup.cli.notes import daemon_settings_note
    from trueup.cli.output import progress
    from trueup.cli.session import open_engine, trigger
    from trueup.engine import SyncOptions
    from trueup.errors import ConfigError
    from trueup.plan.selection import parse_object_name

    try:
        only = frozenset(parse_object_name(text) for text in objects or ())
    except ConfigError as e:
        raise typer.BadParameter(str(e), param_hint="--object") from None
    given = (
        ("--wait/--no-wait", wait is not None),
        ("--timeout", timeout is not None),
        ("--ignore-dependencies", ignore_dependencies),
    )
    unsupported = [name for name, present in given if present]
    remote = via_daemon.sync(
        _settings(ctx),
        app,
        dry_run=dry_run,
        prune=prune,
        objects=sorted(str(name) for name in only),
        unsupported=unsupported,
    )
    if remote is not None:
        _print_sync(remote, output, dry_run=dry_run)
        return

    options = SyncOptions(
        dry_run=dry_run,
        prune=prune,
        wait=wait,
        timeout=timeout.total_seconds() if timeout is not None else None,
        trigger=trigger(),
        ignore_dependencies=ignore_dependencies,
        only=only,
    )

    async def run() -> tuple[SyncReport, str | None]:
        async with open_engine(_settings(ctx), app) as engine:
            spec = engine.app(app)
            if timeout is not None and not (spec.spec.wait if wait is None else wait):
                raise typer.BadParameter(
                    f"only a sync that waits uses it: add --wait (or spec.wait: true to {spec.id})",
                    param_hint="--timeout",
                )
            note = daemon_settings_note(spec, engine.config.source_of(spec))
            return await engine.sync(app, options, progress), note

    report, note = asyncio.run(run())
    _print_sync(report_data(report), output, dry_run=dry_run, note=note)


def _print_sync(
    data: dict[str, Any], output: Format, *, dry_run: bool, note: str | None = None
) -> None:
    """A sync's report (``report_data``, run here or by a daemon) as ``sync`` prints it;
    exits 2 when the configuration kept it from running at all, 1 when it failed."""
    from trueup.changeset import Action
    from trueup.cli.formats import dump, table
    from trueup.cli.output import error, notice, out, warn
    from trueup.cli.status import short
    from trueup.failure import Reason

    if output is Format.TABLE:
        # Only what changed or needs attention (a warning); the summary line counts the
        # unchanged ones and -o json lists every object.
        changes = [
            c for c in data["changes"] if c["action"] != Action.UNCHANGED.value or c["reason"]
        ]
        if changes:
            table(
                ("OBJECT", "ACTION", "REASON"),
                [(c["object"], c["action"], c["reason"]) for c in changes],
            )
        out.print(
            f"{data['app']} {short(data['revision'])}: {data['summary']}; "
            f"health {data['health']}" + (" (dry run)" if dry_run else ""),
        )
    else:
        dump(data, output)
    for line in data["warnings"]:
        warn(line)
    if note:
        notice(note)
    if (failure := data["failure"]) is not None:
        error(failure["message"])
        raise typer.Exit(2 if failure["reason"] == Reason.CONFIG.value else 1)


def status(
    ctx: typer.Context,
    app: Annotated[str | None, typer.Argument(help="One App (default: every App).")] = None,
    live: Annotated[
        bool, typer.Option("--live", help="Compare with the cluster now (a diff) first.")
    ] = False,
    output: OutputOption = Format.TABLE,
) -> None:
    """One row per App of the configuration: revision, sync, health, when last confirmed.

    The rows are what the last sync or diff found; CONFIRMED says when that was. Apps the
    configuration refuses are listed as Invalid, suspended ones as Suspended. With a
    trueup serve running for the configuration, the rows are what it sees.
    """
    import asyncio

    from trueup.cli import via_daemon
    from trueup.cli.formats import dump
    from trueup.cli.recorded import open_store
    from trueup.cli.rollback import git_heads
    from trueup.cli.status import (
        configured_apps,
        print_table,
        removed_apps,
        status_data,
        unknown_app,
    )
    from trueup.config import load_config
    from trueup.errors import ConfigError

    settings = _settings(ctx)
    remote = via_daemon.status_data(settings, app, live=live)
    if remote is not None:
        if output is Format.TABLE:
            print_table(remote)
        else:
            dump(remote, output)
        return
    config = load_config(settings.config)
    apps = configured_apps(config)
    suspended = {a.metadata.name for a in config.apps if a.spec.suspend}

    async def run() -> list[dict[str, str]]:
        async with open_store(settings) as store:
            removed = await removed_apps(store, apps)
            if app is not None and app not in apps and app not in removed:
                raise ConfigError(unknown_app(app, apps))
            names = [app] if app is not None else sorted([*apps, *removed])
            held = set(await store.suspensions())
            pinned = [name for name in await store.pins() if name in names and name in apps]
        heads = await git_heads(settings, pinned) if pinned else {}
        comparable = [
            name
            for name in names
            if name in apps and not apps[name] and name not in suspended | held
        ]
        failed = await _compare_now(settings, comparable) if live else {}
        async with open_store(settings) as store:
            data = await status_data(
                store, names, invalid=apps, suspended=suspended, removed=removed, heads=heads
            )
        for row in data:
            if row["app"] in failed:
                row.update(sync="Unknown", error=f"comparing now failed: {failed[row['app']]}")
        return data

    data = asyncio.run(run())
    if output is Format.TABLE:
        print_table(data)
    else:
        dump(data, output)


async def _compare_now(settings: Settings, names: list[str]) -> dict[str, str]:
    """Diff each App with its target now (noting the comparison); the error of each that failed."""
    from trueup.cli.output import progress
    from trueup.cli.session import open_engine, trigger
    from trueup.engine import SyncOptions

    failed: dict[str, str] = {}
    for name in names:
        async with open_engine(settings, name, quiet=True) as engine:
            options = SyncOptions(dry_run=True, trigger=trigger())
            report = await engine.sync(name, options, progress)
        if report.error:
            failed[name] = report.error
    return failed


def history(
    ctx: typer.Context,
    app: AppArgument,
    limit: Annotated[
        int, typer.Option(min=1, metavar="N", help="At most this many attempts.")
    ] = 50,
    output: OutputOption = Format.TABLE,
) -> None:
    """Every recorded attempt of APP, newest first: when, who, where, revision, the commit's
    author and subject, result.

    An App that is neither in the configuration nor in the history exits 2. With a trueup
    serve running for the configuration, the history is what it reads.
    """
    import asyncio

    from trueup.cli import via_daemon
    from trueup.cli.formats import dump
    from trueup.cli.history_output import print_history
    from trueup.cli.recorded import open_store
    from trueup.cli.status import configured_apps, unknown_app
    from trueup.config import load_config
    from trueup.errors import ConfigError

    settings = _settings(ctx)
    remote = via_daemon.history(settings, app, limit)
    if remote is not None:
        if output is Format.TABLE:
            print_history(remote)
        else:
            dump(remote, output)
        return

    async def run() -> list[Attempt]:
        async with open_store(settings) as store:
            recorded = await store.apps()
            if app not in recorded:
                configured = configured_apps(load_config(settings.config))
                if app not in configured:
                    raise ConfigError(unknown_app(app, {*configured, *recorded}))
            return await store.history(app, limit)

    data = [attempt.as_data() for attempt in asyncio.run(run())]
    if output is Format.TABLE:
        print_history(data)
    else:
        dump(data, output)


def report_data(report: SyncReport) -> dict[str, Any]:
    """A sync report as plain data for ``-o json|yaml``."""
    return {
        "app": report.app,
        "revision": report.revision,
        "summary": report.summary,
        "health": report.health.value,
        "error": report.error,
        "failure": None
        if report.failure is None
        else {
            "reason": report.failure.reason.value,
            "temporary": report.failure.temporary,
            "message": report.failure.message,
        },
        "changes": [
            {"object": str(c.id), "action": c.action.value, "reason": c.reason}
            for c in report.changes.changes
        ],
        "objects": {str(oid): r.status.value for oid, r in report.object_health.items()},
        "warnings": list(report.warnings),
        "plan": report.plan.to_dict() if report.plan is not None else None,
        "only": [str(oid) for oid in sorted(report.only)],
    }

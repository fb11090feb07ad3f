"""``trueup images update [NAME] [--dry-run]``: write the images policies select to Git now.

Each ImageUpdate of the configuration (or only ``NAME``) runs once, as the daemon would
run it (:func:`trueup.imageupdate.run_update`), from the tags recorded in the store (by the
daemon, or by ``--scan``, which reads the registries first). ``--dry-run`` prints the diff
it would commit and commits nothing; it exits 1 when there is something to commit, like
``trueup diff``. Markers left alone (an unknown policy, files a pending rollback revert
holds) are warned about on stderr. With one update branch per policy, a branch that could
not be written is an error on stderr naming the branch and the error's class, the other
branches are still written, and the command exits 2.

``trueup images`` is declared with :class:`ImagesCommand`, which hands ``update`` and
every argument after it to :func:`update`, so that ``update`` has options and help of its
own while ``trueup images [REPOSITORY]`` stays as it is.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from trueup.cli.help import Command, use_plain_help
from trueup.cli.options import Format, OutputOption

if TYPE_CHECKING:
    from trueup.cli.settings import Settings
    from trueup.imageupdate import BranchOutcome, UpdateResult

_command = typer.Typer(add_completion=False)
UPDATE_ARGS = "trueup.images.update"
"""Where :class:`ImagesCommand` leaves the arguments of ``update`` (in ``ctx.meta``)."""


class ImagesCommand(Command):
    """``trueup images``: ``update`` as its first argument runs ``trueup images update``."""

    def parse_args(self, ctx: typer.Context, args: list[str]) -> list[str]:  # type: ignore[override]
        """Keep what follows ``update`` for :func:`update`, unparsed by ``images``."""
        if args[:1] == ["update"]:
            ctx.meta[UPDATE_ARGS] = args[1:]
            args = ["update"]
        return super().parse_args(ctx, args)


@_command.command(name="update")
def _parse(
    ctx: typer.Context,
    name: Annotated[
        str | None,
        typer.Argument(metavar="NAME", help="Only this ImageUpdate (name, or namespace/name)."),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Print the diff it would commit; commit nothing.")
    ] = False,
    scan: Annotated[
        bool,
        typer.Option("--scan", help="Read the registries first and record the tags in the store."),
    ] = False,
    output: OutputOption = Format.TABLE,
) -> int:
    """Write the images ImagePolicies select to Git now: one commit per branch, or nothing
    when nothing changed. Exits 1 for a dry run that would commit something, 2 for an
    unknown ImageUpdate, an invalid configuration, or a branch that could not be written."""
    settings: Settings = ctx.obj
    return _run(settings, name, dry_run=dry_run, scan=scan, output=output)


use_plain_help(_command)


def update(settings: Settings, args: list[str]) -> None:
    """Run ``trueup images update`` with ``args`` (what followed ``update``)."""
    command = typer.main.get_command(_command)
    code = command.main(
        args=args, prog_name="trueup images update", obj=settings, standalone_mode=False
    )
    if isinstance(code, int) and code:
        raise typer.Exit(code)


def _run(settings: Settings, name: str | None, *, dry_run: bool, scan: bool, output: Format) -> int:
    import asyncio

    from trueup.cli.recorded import open_store
    from trueup.config import load_config
    from trueup.daemon.images import scan_and_record
    from trueup.errors import ConfigError
    from trueup.imageupdate import run_update

    config = load_config(settings.config)
    config.raise_if_invalid()
    updates = [u for u in config.image_updates if name in (None, u.metadata.name, _key(u))]
    if not updates:
        known = ", ".join(sorted(_key(u) for u in config.image_updates)) or "none"
        what = f"named {name!r} " if name else ""
        raise ConfigError(f"no ImageUpdate {what}in {settings.config} (known: {known})")

    async def run() -> list[UpdateResult]:
        async with open_store(settings) as store:
            if scan:
                repositories = config.image_repositories
                await asyncio.gather(*(scan_and_record(r, config, store) for r in repositories))
            return [await run_update(u, config, store, dry_run=dry_run) for u in updates]

    results = asyncio.run(run())
    _print(results, output)
    if any(r.failed for r in results):
        return 2
    return 1 if dry_run and any(r.changes for r in results) else 0


def _key(update: object) -> str:
    from trueup.config.image_update import ImageUpdate

    assert isinstance(update, ImageUpdate)
    ns = update.namespace
    return f"{ns}/{update.metadata.name}" if ns else update.metadata.name


def _print(results: list[UpdateResult], output: Format) -> None:
    from trueup.cli.output import error, out, printable, warn

    for result in results:
        for problem in result.problems:
            warn(f"{result.update}: {problem}")
        for file in result.held:
            warn(f"{result.update}: {file}: left alone: a pending rollback revert holds it")
        for failed in result.failed:
            error(
                f"{result.update}: branch {failed.branch} was not written "
                f"({failed.error_class}): {failed.error}"
            )
    if output is not Format.TABLE:
        from trueup.api.schema import to_data
        from trueup.cli.formats import dump

        dump([to_data(r) for r in results], output)
        return
    for result in results:
        for branch in result.branches:
            if result.dry_run:
                if branch.diff:
                    out.print(printable(branch.diff).rstrip("\n"))
                continue
            if branch.pushed:
                out.print(f"{result.update}: pushed {branch.commit} to branch {branch.branch}")
                for change in branch.changes:
                    out.print(f"  {change.file}:{change.line}: {change.old} → {change.new}")
            if branch.pull_action == "declined":
                out.print(f"{result.update}: {_declined(branch)}")
            elif branch.pull_action:
                where = branch.pull_url or f"#{branch.pull_number}"
                out.print(f"{result.update}: pull request {where} {branch.pull_action}")
        if not result.changes:
            out.print(f"{result.update}: nothing to change on {_branches(result)}")


def _declined(branch: BranchOutcome) -> str:
    where = branch.pull_url or f"#{branch.pull_number}"
    return (
        f"pull request {where} declined: a person closed it without merging while it "
        f"proposed this same set of images, so branch {branch.branch} is left as it is and "
        "no pull request is opened for them again; a new image (a different set) will open "
        "a new one"
    )


def _branches(result: UpdateResult) -> str:
    names = [b.branch for b in result.branches]
    return ", ".join(names) if names else "no branch (no policy is declared)"

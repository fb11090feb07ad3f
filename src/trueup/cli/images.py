"""``trueup images``: the ImageRepositories, their tags and their last scan.

What is shown comes from the store, where the leading ``trueup serve`` records every scan;
``--scan`` reads the registries now (and records what it finds, as the daemon would), for
a machine without a daemon or a repository that should not wait for its interval. The
command exits 1 when a shown repository's last scan failed, so CI can rely on it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from trueup.cli.images_update import UPDATE_ARGS
from trueup.cli.options import Format, OutputOption

if TYPE_CHECKING:
    from trueup.daemon.images import ImageState

IMAGE_COLUMNS = ("REPOSITORY", "IMAGE", "TAGS", "NEWEST", "LAST SCAN (UTC)", "SELECTED", "ERROR")
ERROR_WIDTH = 80
"""Where a long error wraps in the table."""


def images(
    ctx: typer.Context,
    repository: Annotated[
        str | None,
        typer.Argument(
            metavar="[REPOSITORY]",
            help="Only this ImageRepository (name, or namespace/name).",
        ),
    ] = None,
    scan: Annotated[
        bool,
        typer.Option("--scan", help="Read the registries now and record the tags in the store."),
    ] = False,
    output: OutputOption = Format.TABLE,
) -> None:
    """The ImageRepositories: how many tags, the newest ones, when last scanned, what each
    ImagePolicy selects, and why the last scan failed.

    Without --scan the tags are those the daemon (or an earlier --scan) recorded. Exits 1
    when a last scan failed, 2 for an unknown repository or an invalid configuration.

    trueup images update [NAME] [--dry-run] writes the selected images to Git now (see
    trueup images update --help).
    """
    if repository == "update" and UPDATE_ARGS in ctx.meta:
        from trueup.cli.images_update import update

        update(ctx.obj, ctx.meta[UPDATE_ARGS])
        return
    import asyncio

    from trueup.cli.recorded import open_store
    from trueup.cli.settings import Settings
    from trueup.config import load_config
    from trueup.daemon.images import image_states, scan_and_record
    from trueup.errors import ConfigError

    settings: Settings = ctx.obj
    config = load_config(settings.config)
    config.raise_if_invalid()
    repositories = list(config.image_repositories)
    if repository is not None:
        repositories = [r for r in repositories if repository in (r.key, r.metadata.name)]
        if not repositories:
            known = ", ".join(sorted(r.key for r in config.image_repositories)) or "none"
            raise ConfigError(
                f"no ImageRepository named {repository!r} in {settings.config} (known: {known})"
            )

    async def run() -> list[ImageState]:
        async with open_store(settings) as store:
            if scan:
                await asyncio.gather(*(scan_and_record(r, config, store) for r in repositories))
            return image_states(config, repositories, await store.image_scans())

    states = asyncio.run(run())
    _print(states, output)
    if any(state.error for state in states):
        raise typer.Exit(1)


def _print(states: list[ImageState], output: Format) -> None:
    from trueup.cli.formats import dump, table

    if output is not Format.TABLE:
        from trueup.api.schema import to_data

        dump(to_data(states), output)
        return
    rows = [
        (
            state.repository,
            state.image,
            str(state.tags) if state.last_scan else "-",
            ", ".join(state.latest) or "-",
            state.last_scan[:19].replace("T", " ") if state.last_scan else "never (try --scan)",
            ", ".join(f"{p.policy} → {p.tag or 'none'}" for p in state.policies) or "-",
            state.error or "-",
        )
        for state in states
    ]
    table(IMAGE_COLUMNS, rows, max_widths={"ERROR": ERROR_WIDTH})

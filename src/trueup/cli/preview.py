"""``trueup preview`` and ``trueup diff APP --ref REF``: what merging a ref would change.

Both only read (see ``trueup.preview``): the engine they run has a store in memory, so
nothing is recorded and no store file is needed, and a cluster only when an App reads
ConfigMaps from it (through the usual kubeconfig, when one is found).

``preview`` exits 0 when it printed (or posted) the preview, changes or none; 1 when an
App the ref touches cannot be rendered at the ref; 2 for an error before anything ran.
``diff --ref`` exits as ``diff``: 0 no difference, 1 a difference, 2 cannot tell.

``--post`` takes the forge's token from ``--token-secret NAME`` (key ``token`` of that
Secret of the configuration, in the GitSource's namespace) or else ``$TRUEUP_FORGE_TOKEN``
(what a CI job's secret store sets).
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from trueup.cli.settings import Settings
    from trueup.config import LoadedConfig
    from trueup.engine import Engine
    from trueup.forge import Repository
    from trueup.preview import Preview

TOKEN_ENV = "TRUEUP_FORGE_TOKEN"  # noqa: S105 - the name of a variable, not a secret
TOKEN_KEY = "token"  # noqa: S105 - the key of the Secret, not a secret


class PreviewFormat(StrEnum):
    """How ``preview`` prints."""

    MARKDOWN = "markdown"
    JSON = "json"
    YAML = "yaml"


class ForgeChoice(StrEnum):
    """Where ``--post`` posts."""

    GITHUB = "github"
    GITLAB = "gitlab"
    GITEA = "gitea"


@asynccontextmanager
async def preview_engine(settings: Settings, app: str | None = None) -> AsyncIterator[Engine]:
    """An engine that can fetch and render but records nothing (its store is in memory).

    As with ``open_engine``, a problem with App ``app`` refuses the command, and objects
    the configuration refuses are left out, each named in a warning.
    """
    from trueup.cli.session import installation_id, load_config_for
    from trueup.devcluster.paths import cache_dir
    from trueup.engine import Engine
    from trueup.source import GitFetcher
    from trueup.store.memory import MemoryStore
    from trueup.targets.kubernetes.pool import KubernetesTargets

    config = load_config_for(settings, app)
    targets = KubernetesTargets(
        settings.kubeconfig, settings.context, allow_exec=settings.allow_exec
    )
    try:
        yield Engine(
            config,
            MemoryStore(),
            GitFetcher(cache_dir() / "git"),
            targets,
            render_limits=settings.render_limits,
            installation=installation_id(),
        )
    finally:
        await targets.aclose()


def preview(
    ctx: typer.Context,
    ref: Annotated[
        str,
        typer.Option(
            "--ref", metavar="REF", help="The branch, tag or commit to preview (a pull request's)."
        ),
    ],
    base: Annotated[
        str | None,
        typer.Option(
            "--base",
            metavar="REF",
            help="What to compare with (default: the ref the GitSource follows, as it is now).",
        ),
    ] = None,
    source: Annotated[
        str | None,
        typer.Option(
            "--source", metavar="NAME", help="The GitSource (default: the one the Apps use)."
        ),
    ] = None,
    post: Annotated[
        ForgeChoice | None,
        typer.Option(
            "--post",
            metavar="FORGE",
            help="Post it as one comment on the pull request of REF's branch: github, gitlab "
            "or gitea (updated in place on the next run).",
        ),
    ] = None,
    forge_url: Annotated[
        str | None,
        typer.Option(
            "--forge-url",
            metavar="URL",
            help="The forge's API root (default: from the GitSource's URL, by the forge's "
            "convention).",
        ),
    ] = None,
    repo: Annotated[
        str | None,
        typer.Option(
            "--repo",
            metavar="OWNER/NAME",
            help="The repository to comment in (default: the GitSource's URL's); needs "
            "--forge-url.",
        ),
    ] = None,
    token_secret: Annotated[
        str | None,
        typer.Option(
            "--token-secret",
            metavar="NAME",
            help=f"A Secret of the configuration whose key {TOKEN_KEY!r} is the forge's token "
            f"(default: ${TOKEN_ENV}).",
        ),
    ] = None,
    output: Annotated[
        PreviewFormat,
        typer.Option("--output", "-o", metavar="FORMAT", help="markdown, json or yaml."),
    ] = PreviewFormat.MARKDOWN,
) -> None:
    """Preview what merging REF would change: every App whose files REF touches,
    rendered at REF and compared with its render at the base.

    Prints Markdown fit to paste into a pull request: per App the objects created,
    changed and pruned, each diff folded. Nothing is applied or recorded, no Secret is read
    and no SOPS file decrypted (their values show as placeholders); no cluster is needed
    unless an App reads ConfigMaps. Exits 0 when printed, 1 when an App fails to render at
    REF, 2 for an error before anything ran.
    """
    import asyncio

    from trueup.cli.formats import dump
    from trueup.cli.output import error, notice, out, progress
    from trueup.preview import preview as run_preview
    from trueup.preview import to_markdown

    settings: Settings = ctx.obj
    if (forge_url or repo or token_secret) and post is None:
        raise typer.BadParameter("only --post uses it: add --post github|gitlab|gitea")

    # Where and with what to post is settled first: a missing token fails before any work.
    forge = _forge(settings, source, post, forge_url, repo, token_secret) if post else None

    async def run() -> Preview:
        async with preview_engine(settings) as engine:
            return await run_preview(engine, ref, progress, base=base, source=source)

    found = asyncio.run(run())
    markdown = to_markdown(found)
    # Printed before it is posted: a comment that cannot be posted leaves it in the job's log.
    if output is PreviewFormat.MARKDOWN:
        out.print(markdown.rstrip("\n"))
    else:
        from trueup.cli.formats import Format

        dump(preview_data(found), Format(output.value))
    for app in found.apps:
        if app.error:
            error(app.error)
    if forge is not None:
        notice(asyncio.run(_post(forge, found, markdown)))
    raise typer.Exit(1 if found.failed else 0)


def _forge(
    settings: Settings,
    source: str | None,
    post: ForgeChoice,
    forge_url: str | None,
    repo: str | None,
    token_secret: str | None,
) -> tuple[Repository, str]:
    """The repository to comment in and the token to do it with (``ConfigError`` saying
    what is missing)."""
    from trueup.config import load_config
    from trueup.forge import ForgeKind
    from trueup.preview.post import forge_repository
    from trueup.preview.run import chosen_source

    config = load_config(settings.config)
    gitsource = chosen_source(config, source)
    token = _token(config, gitsource.namespace, token_secret)
    kind = ForgeKind(post.value)
    return forge_repository(kind, gitsource.spec.url, repo=repo, api_url=forge_url), token


async def _post(forge: tuple[Repository, str], found: Preview, markdown: str) -> str:
    """Post ``markdown`` as the pull request's comment; what was done, in words."""
    from trueup.errors import ConfigError
    from trueup.preview.post import post_comment

    if found.branch is None:
        raise ConfigError(
            "--post comments on the pull request of REF's branch, and REF is not a branch; "
            "give the pull request's branch as --ref"
        )
    repository, token = forge
    result = await post_comment(repository, token, found.branch, found.source, markdown)
    done = _DONE.get(result.action, result.action)
    return f"{done} on pull request #{result.pull.number} of {repository}"


_DONE = {
    "created": "posted the preview as a new comment",
    "updated": "updated the preview comment",
    "unchanged": "the preview comment says this already",
}


def _token(config: LoadedConfig, namespace: str, secret_name: str | None) -> str:
    """The forge's token: ``--token-secret``'s key ``token``, else ``$TRUEUP_FORGE_TOKEN``."""
    from trueup.errors import ConfigError

    if secret_name is not None:
        secret = config.secret(namespace, secret_name)
        if secret is None:
            raise ConfigError(
                f"--token-secret: Secret/{namespace}/{secret_name} is not in the configuration; "
                f"add it with a {TOKEN_KEY!r} key"
            )
        value = secret.get(TOKEN_KEY)
        if value is None or not value.get_secret_value().strip():
            raise ConfigError(
                f"--token-secret: Secret/{namespace}/{secret_name} has no {TOKEN_KEY!r} key; "
                "add the forge's token under it"
            )
        return value.get_secret_value().strip()
    token = os.environ.get(TOKEN_ENV, "").strip()
    if not token:
        raise ConfigError(
            f"--post needs the forge's token: set ${TOKEN_ENV}, or name a Secret of the "
            f"configuration with --token-secret (key {TOKEN_KEY!r})"
        )
    return token


def diff_at_ref(settings: Settings, app: str, ref: str, output: str | None) -> None:
    """``diff APP --ref REF``: APP rendered at REF against its current revision; exits as
    ``diff`` does. ``-o json|yaml`` lists each differing object's id, action (``create``,
    ``configure``, ``prune``, as ``diff`` words them) and diff: there is no live side."""
    import asyncio

    from trueup.cli.formats import Format, dump
    from trueup.cli.output import error, out, progress, warn
    from trueup.preview import diff_ref

    async def run() -> Preview:
        async with preview_engine(settings, app) as engine:
            return await diff_ref(engine, app, ref, progress)

    found = asyncio.run(run())
    (compared,) = found.apps
    if compared.error:
        error(compared.error)
        raise typer.Exit(2)
    if compared.base_error:
        warn(f"not rendered at {found.base} (every object shows as created): {compared.base_error}")
    entries = [
        {"object": str(diff.id), "action": _ACTIONS[diff.change.value], "diff": diff.diff}
        for diff in compared.changes
    ]
    if output is None:
        for entry in entries:
            out.print(entry["diff"].rstrip("\n"))
    else:
        dump(entries, Format(output))
    raise typer.Exit(1 if entries else 0)


_ACTIONS = {"created": "create", "changed": "configure", "pruned": "prune"}
"""A preview's words for a change, as ``diff -o json`` writes them."""


def preview_data(found: Preview) -> dict[str, Any]:
    """A preview as plain data for ``-o json|yaml``."""
    return {
        "source": found.source,
        "base": found.base,
        "ref": found.ref,
        "apps": [
            {
                "app": app.app,
                "summary": app.summary,
                "error": app.error,
                "baseError": app.base_error,
                "changes": [
                    {"object": str(d.id), "change": d.change.value, "diff": d.diff}
                    for d in app.changes
                ],
            }
            for app in found.apps
        ],
        "unaffected": list(found.unaffected),
    }

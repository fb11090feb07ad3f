"""The ``trueup`` command: one sub-command per capability, errors without tracebacks.

Starting is cheap: declaring the commands loads typer and a few small modules; each command
loads what it runs on when it runs (see :mod:`trueup.cli.apps`), and help is plain text
(see :mod:`trueup.cli.help`).
"""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path
from typing import Annotated

import typer

from trueup import __version__
from trueup.cli import (
    apps,
    daemon_commands,
    dev_cluster,
    dev_forge,
    events,
    images,
    images_update,
    preview,
    rollback,
)
from trueup.cli.help import use_plain_help
from trueup.cli.settings import Settings, default_config, default_store
from trueup.errors import TrueupError
from trueup.render import RenderLimits
from trueup.render.options import MIB

typer_app = typer.Typer(
    name="trueup",
    help="trueup: Git holds the desired state; trueup makes the running system agree.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
typer_app.add_typer(dev_cluster.app, name="dev-cluster")
typer_app.command(name="dev-forge")(dev_forge.dev_forge)
for command in (apps.build, apps.diff, apps.sync, apps.status, apps.history):
    typer_app.command()(command)
for operator_command in (
    daemon_commands.serve,
    daemon_commands.suspend,
    daemon_commands.resume,
    rollback.rollback,
    daemon_commands.delete,
):
    typer_app.command()(operator_command)
typer_app.command()(events.events)
typer_app.command(cls=images_update.ImagesCommand)(images.images)  # and `images update`
typer_app.command()(preview.preview)


@typer_app.command(
    name="demo",
    help="Run trueup's main job locally: a dev-cluster, a demo app and trueup serve.",
)
def _demo(
    stop: Annotated[
        bool, typer.Option("--stop", help="Stop the demo's trueup serve and the dev-cluster.")
    ] = False,
) -> None:
    from trueup.cli.demo import demo

    demo(stop=stop)


use_plain_help(typer_app)


ConfigOption = Annotated[
    Path | None,
    typer.Option(
        "--config",
        "-c",
        metavar="PATH",
        help="Config file or folder (default: $TRUEUP_CONFIG, else ./trueup.yaml).",
    ),
]
StoreOption = Annotated[
    Path | None,
    typer.Option(
        "--store",
        metavar="FILE",
        help="History database (default: $TRUEUP_STORE, else ~/.local/state/trueup/trueup.db).",
    ),
]
KubeconfigOption = Annotated[
    str | None,
    typer.Option(
        "--kubeconfig",
        metavar="FILE",
        help="Kubeconfig of the target cluster, for this run (default: each App's "
        "spec.kubeconfig, else $KUBECONFIG or ~/.kube/config).",
    ),
]
ContextOption = Annotated[
    str | None,
    typer.Option(
        "--context",
        metavar="NAME",
        help="Kubeconfig context, for this run (default: each App's spec.context, else the "
        "current context).",
    ),
]
AllowExecOption = Annotated[
    bool,
    typer.Option(
        "--allow-exec-credentials",
        envvar="TRUEUP_ALLOW_EXEC",
        help="Let kubeconfigs run their exec credential plugins (also TRUEUP_ALLOW_EXEC=1).",
    ),
]


RenderTimeoutOption = Annotated[
    float,
    typer.Option(
        "--render-timeout",
        metavar="SECONDS",
        min=1,
        envvar="TRUEUP_RENDER_TIMEOUT",
        help="Stop a render (kustomize included) after this long.",
    ),
]
RenderMemoryOption = Annotated[
    int,
    typer.Option(
        "--render-memory",
        metavar="MIB",
        min=16,
        envvar="TRUEUP_RENDER_MEMORY",
        help="Memory one render may use, in MiB.",
    ),
]
RenderSizeOption = Annotated[
    int,
    typer.Option(
        "--render-max-size",
        metavar="MIB",
        min=1,
        envvar="TRUEUP_RENDER_MAX_SIZE",
        help="Manifests one render may read in all (kustomize's output included), in MiB.",
    ),
]
ServerOption = Annotated[
    str | None,
    typer.Option(
        "--server",
        metavar="URL",
        envvar="TRUEUP_SERVER",
        help="A running trueup serve to ask (status, history) and act through (sync, suspend, "
        "resume); default: the one running for this configuration and store, if any.",
    ),
]
TokenFileOption = Annotated[
    Path | None,
    typer.Option(
        "--token-file",
        metavar="FILE",
        help="The API token for the daemon (default: $TRUEUP_TOKEN).",
    ),
]
_LIMITS = RenderLimits()


def _print_version(value: bool) -> None:
    if value:
        typer.echo(__version__)
        raise typer.Exit()


VersionOption = Annotated[
    bool,
    typer.Option(
        "--version", callback=_print_version, is_eager=True, help="Print the version and exit."
    ),
]


@typer_app.callback()
def _root(
    ctx: typer.Context,
    config: ConfigOption = None,
    store: StoreOption = None,
    kubeconfig: KubeconfigOption = None,
    context: ContextOption = None,
    allow_exec_credentials: AllowExecOption = False,
    render_timeout: RenderTimeoutOption = _LIMITS.timeout_seconds,
    render_memory: RenderMemoryOption = _LIMITS.max_memory_bytes // MIB,
    render_max_size: RenderSizeOption = _LIMITS.max_total_bytes // MIB,
    server: ServerOption = None,
    token_file: TokenFileOption = None,
    version: VersionOption = False,
) -> None:
    ctx.obj = Settings(
        config or default_config(),
        store or default_store(),
        kubeconfig,
        context,
        allow_exec=allow_exec_credentials,
        render_limits=replace(
            _LIMITS,
            timeout_seconds=render_timeout,
            max_memory_bytes=render_memory * MIB,
            max_total_bytes=render_max_size * MIB,
        ),
        server=server,
        token_file=token_file,
    )


def app() -> None:
    """Entry point: run the CLI; a trueup error prints one clear message and exits 2.

    Usage errors are typer's own (a message and exit 2); anything else propagates.
    """
    try:
        typer_app()
    except TrueupError as e:
        _error(str(e))
        sys.exit(2)
    except KeyboardInterrupt:
        _error("interrupted")
        sys.exit(130)


def _error(message: str) -> None:
    from trueup.cli.output import error

    error(message)

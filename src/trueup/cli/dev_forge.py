"""``trueup dev-forge``: a local forge stub (GitHub, GitLab and Gitea APIs) in the foreground.

Prints where each forge's API is and one line per request it receives, until Ctrl-C.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
from typing import Annotated

import typer

DEFAULT_LISTEN = "127.0.0.1:9480"


def dev_forge(
    listen: Annotated[
        str,
        typer.Option(metavar="HOST:PORT", help="Loopback address to listen on (port 0: any)."),
    ] = DEFAULT_LISTEN,
    token: Annotated[
        str | None,
        typer.Option(
            metavar="TOKEN",
            help="The token every request must carry (default: a random one, printed).",
        ),
    ] = None,
    pull: Annotated[
        list[str] | None,
        typer.Option(
            metavar="FORGE:REPO:HEAD[:BASE]",
            help="Open a pull request at start, e.g. github:org/deploy:feature (base: main). "
            "Repeatable.",
        ),
    ] = None,
) -> None:
    """Serve the commit-status, pull-request and comment endpoints of GitHub (/api/v3),
    GitLab (/api/v4) and Gitea (/api/v1) in memory on loopback, printing each request."""
    from trueup.cli.output import out, printable
    from trueup.devforge import DevForge
    from trueup.errors import ConfigError

    host, _, port_text = listen.rpartition(":")
    host = host.strip("[]")
    if not host or not port_text.isdigit():
        raise ConfigError(f"--listen {listen!r}: write HOST:PORT, such as {DEFAULT_LISTEN}")
    shown = token is None
    token = token or secrets.token_urlsafe(24)

    def log(line: str) -> None:
        out.print(printable(line))

    forge = DevForge(token, log)
    seeds = [_seed(spec) for spec in pull or []]

    async def run() -> None:
        port = await forge.start(host, int(port_text))
        try:
            for args in seeds:
                try:
                    forge.seed_pull(*args)
                except ValueError as e:
                    raise ConfigError(f"--pull: {e}") from e
            base = f"http://{host if ':' not in host else f'[{host}]'}:{port}"
            log(f"dev-forge listening on {base}")
            log(f"  GitHub API {base}/api/v3   GitLab API {base}/api/v4   Gitea API {base}/api/v1")
            log(f"  repository addresses look like {base}/org/deploy")
            if shown:
                log(f"  token: {token}")
            await asyncio.Event().wait()
        finally:
            await forge.stop()

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(run())


def _seed(spec: str) -> tuple[str, str, str, str]:
    from trueup.errors import ConfigError

    parts = spec.split(":")
    if len(parts) not in (3, 4) or not all(parts):
        raise ConfigError(
            f"--pull {spec!r}: write FORGE:REPO:HEAD[:BASE], such as github:org/deploy:feature"
        )
    forge, repo, head = parts[:3]
    return forge, repo, head, parts[3] if len(parts) == 4 else "main"

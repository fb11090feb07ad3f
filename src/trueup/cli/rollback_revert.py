"""``trueup rollback APP --to REVISION --revert``: roll back by pushing a revert to Git.

``trueup rollback`` dispatches here for ``--revert``. The revert is planned (what the App
read at REVISION and reads now); when other Apps read those paths too, a person at a
terminal is asked (elsewhere ``--yes`` is needed); then it is pushed with the source's
write credentials and recorded (a pending revert and an ``app.rolledback`` event), through
a running trueup serve when there is one (it also polls the source at once).

The command does not sync: Git is the truth, so the revert reaches the Apps the way every
commit does, by the daemon's poll of the source, or by ``trueup sync`` without a daemon;
the command says which.
"""

from __future__ import annotations

import asyncio
import sys
from typing import Any

import typer

from trueup.cli.options import Format
from trueup.cli.settings import Settings
from trueup.rollback.revert import ConfirmationError, RevertPlan


def run_revert(
    ctx: typer.Context,
    app: str,
    revision: str,
    *,
    yes: bool,
    reason: str = "",
    output: Format = Format.TABLE,
) -> None:
    """Revert ``app`` to ``revision`` (as ``trueup history`` shows it, or 7+ hex digits of
    its commit) in Git, and print what was pushed and what happens next.

    Other Apps that read the restored paths are listed; without ``yes`` a terminal is asked
    to confirm, and elsewhere :class:`~trueup.rollback.revert.ConfirmationError` is raised
    (nothing pushed). Refusals (a tag, semver or commit source, a revision the branch no
    longer holds, no ``spec.write``) raise the error that says why.
    """
    from trueup.cli import via_daemon

    settings: Settings = ctx.obj
    confirmed = yes
    if not confirmed:
        plan = asyncio.run(_plan(settings, app, revision))
        if plan.others:
            confirmed = _ask(plan.confirmation(), plan.others)
    remote = via_daemon.rollback_revert(settings, app, revision, yes=confirmed, reason=reason)
    data: dict[str, Any] = (
        remote if remote is not None else _here(settings, app, revision, reason, yes=confirmed)
    )
    _print(data, output, through_daemon=remote is not None)


async def _plan(settings: Settings, app: str, revision: str) -> RevertPlan:
    from trueup.cli.recorded import open_store
    from trueup.config import load_config
    from trueup.rollback.revert import plan_revert

    config = load_config(settings.config)
    config.raise_if_invalid()
    async with open_store(settings) as store:
        return await plan_revert(config, store, app, revision)


def _here(settings: Settings, app: str, revision: str, reason: str, *, yes: bool) -> dict[str, Any]:
    """The revert pushed and recorded by this process (no daemon runs); as plain data."""
    from trueup.cli.recorded import open_store
    from trueup.cli.session import trigger
    from trueup.config import load_config
    from trueup.rollback.revert import revert_app, revert_data, revert_event

    config = load_config(settings.config)
    config.raise_if_invalid()

    async def run() -> dict[str, Any]:
        async with open_store(settings) as store:
            # Planned again here: an App that started reading these paths since the plan
            # was shown still needs the confirmation (ConfirmationError, nothing pushed).
            outcome = await revert_app(
                config, store, app, revision, by=trigger(), yes=yes, reason=reason
            )
            if outcome.pushed:
                await store.record_events([revert_event(outcome)])
            return revert_data(outcome)

    return asyncio.run(run())


def _ask(question: str, others: tuple[str, ...]) -> bool:
    """Whether the person at the terminal agrees; ConfirmationError when there is none."""
    if not sys.stdin.isatty():
        raise ConfirmationError(f"{question}; add --yes to revert anyway", others)
    if not typer.confirm(f"{question}. Push the revert?", default=False, err=True):
        raise ConfirmationError(f"{question}; nothing was pushed", others)
    return True


def _print(data: dict[str, Any], output: Format, *, through_daemon: bool) -> None:
    from trueup.cli.formats import dump
    from trueup.cli.output import notice, out

    if output is not Format.TABLE:
        dump(data, output)
    else:
        out.print(str(data["summary"]))
        for line in data["reverted"]:
            out.print(f"  reverts {line}")
    if not data["pushed"]:
        return
    apps = [data["app"], *data["others"]]
    if through_daemon:
        notice(f"trueup serve is fetching {data['source']} now and applies it to {', '.join(apps)}")
    else:
        notice(
            "a running trueup serve applies it at its next poll of the source; without one, "
            f"run `trueup sync` for each of: {' '.join(apps)}"
        )

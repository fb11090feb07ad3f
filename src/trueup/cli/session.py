"""Everything a command needs to run the engine: configuration, store, Git cache, targets.

Defaults follow the usual places: ``./trueup.yaml`` (or ``$TRUEUP_CONFIG``) for the
configuration, ``$XDG_STATE_HOME/trueup/trueup.db`` (or ``$TRUEUP_STORE``) for the history
and inventories, ``$XDG_CACHE_HOME/trueup/git`` for the Git cache, and the usual kubeconfig
lookup for the target cluster (then the pod's service account, inside a pod).
``$TRUEUP_INSTALLATION_ID`` pins the installation id that marks the objects trueup applies
(default: the id the store made on first use), so that a fresh store, in a CI job say,
keeps owning what an earlier one applied.
"""

from __future__ import annotations

import getpass
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

from trueup.cli.output import warn
from trueup.config import load_config
from trueup.devcluster.paths import cache_dir
from trueup.engine import Engine
from trueup.errors import ConfigError
from trueup.plan import check_installation_id
from trueup.render import RenderLimits
from trueup.source import GitFetcher
from trueup.store import SqliteStore, Trigger, mark_interrupted
from trueup.targets.kubernetes.pool import KubernetesTargets


def default_config() -> Path:
    """``$TRUEUP_CONFIG``, else ``./trueup.yaml``."""
    return Path(os.environ.get("TRUEUP_CONFIG") or "trueup.yaml")


def default_store() -> Path:
    """``$TRUEUP_STORE``, else ``$XDG_STATE_HOME/trueup/trueup.db``."""
    if explicit := os.environ.get("TRUEUP_STORE"):
        return Path(explicit)
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "trueup" / "trueup.db"


@dataclass(frozen=True, slots=True)
class Settings:
    """The global options every engine command shares."""

    config: Path
    store: Path
    kubeconfig: str | None
    context: str | None
    allow_exec: bool = False
    """Whether kubeconfigs may run exec credential plugins (``--allow-exec-credentials``)."""
    render_limits: RenderLimits = field(default_factory=RenderLimits)
    """What one render may cost (``--render-timeout``, ``--render-memory``, ...)."""


def trigger() -> str:
    """Who asked: ``cli:<user>``, as recorded in the history."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "unknown"
    return str(Trigger.cli(user))


@asynccontextmanager
async def open_engine(
    settings: Settings, app: str, *, quiet: bool = False
) -> AsyncIterator[Engine]:
    """An engine over the loaded configuration, to work on App ``app``.

    A problem with ``app`` itself (or with a source or Secret it needs, which the loader
    reports against the App too) refuses the command; problems with other objects are
    printed as warnings (unless ``quiet``) and those objects are left out, so one broken
    App never stops the others.
    """
    config = load_config(settings.config)
    own = [issue for issue in config.errors if _names_app(issue.object, app)]
    others = [issue for issue in config.errors if issue not in own]
    if own:
        # The others are listed too: an App is often refused for a source it names.
        listed = "\n".join(f"  {issue}" for issue in own + others)
        raise ConfigError(f"App/{app} cannot be used; the configuration says:\n{listed}")
    for issue in others if not quiet else ():
        warn(f"{issue} (left out)")
    store = await SqliteStore.open(settings.store)
    targets = KubernetesTargets(
        settings.kubeconfig, settings.context, allow_exec=settings.allow_exec
    )
    try:
        fetcher = GitFetcher(cache_dir() / "git")
        yield Engine(
            config,
            store,
            fetcher,
            targets,
            render_limits=settings.render_limits,
            installation=installation_id(),
        )
    finally:
        await targets.aclose()
        await store.close()


def installation_id() -> str | None:
    """``$TRUEUP_INSTALLATION_ID`` (checked), else None: the store's own id is used."""
    value = os.environ.get("TRUEUP_INSTALLATION_ID")
    return check_installation_id(value, "$TRUEUP_INSTALLATION_ID") if value else None


def _names_app(described: str, app: str) -> bool:
    kind, _, rest = described.partition("/")
    return kind == "App" and rest.rpartition("/")[2] == app


@asynccontextmanager
async def open_store(settings: Settings) -> AsyncIterator[SqliteStore]:
    """The store alone, for commands that only read the history.

    Attempts left ``running`` by a process that is provably gone are first recorded as
    ``interrupted``, so that what is shown is never a dead process's "running".
    """
    store = await SqliteStore.open(settings.store)
    try:
        await mark_interrupted(store)
        yield store
    finally:
        await store.close()

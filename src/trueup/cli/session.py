"""Everything a command needs to run the engine: configuration, store, Git cache, targets.

Defaults follow the usual places (see :mod:`trueup.cli.settings` for the configuration and
the store): ``$XDG_CACHE_HOME/trueup/git`` for the Git cache, and the usual kubeconfig
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

from trueup.cli.output import warn
from trueup.cli.settings import Settings
from trueup.config import LoadedConfig, load_config
from trueup.devcluster.paths import cache_dir
from trueup.engine import Engine
from trueup.errors import ConfigError
from trueup.plan import check_installation_id
from trueup.source import GitFetcher
from trueup.store import SqliteStore, Trigger
from trueup.targets.kubernetes.pool import KubernetesTargets


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
    config = load_config_for(settings, app, quiet=quiet)
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


def load_config_for(settings: Settings, app: str | None, *, quiet: bool = False) -> LoadedConfig:
    """The configuration, to work on App ``app`` (None: on any of its Apps).

    A problem with ``app`` itself (or with a source or Secret it needs, which the loader
    reports against the App too) refuses the command; problems with other objects are
    printed as warnings (unless ``quiet``) and those objects are left out.
    """
    config = load_config(settings.config)
    own = [issue for issue in config.errors if app and _names_app(issue.object, app)]
    others = [issue for issue in config.errors if issue not in own]
    if own:
        # The others are listed too: an App is often refused for a source it names.
        listed = "\n".join(f"  {issue}" for issue in own + others)
        raise ConfigError(f"App/{app} cannot be used; the configuration says:\n{listed}")
    for issue in others if not quiet else ():
        warn(f"{issue} (left out)")
    return config


def installation_id() -> str | None:
    """``$TRUEUP_INSTALLATION_ID`` (checked), else None: the store's own id is used."""
    value = os.environ.get("TRUEUP_INSTALLATION_ID")
    return check_installation_id(value, "$TRUEUP_INSTALLATION_ID") if value else None


def _names_app(described: str, app: str) -> bool:
    kind, _, rest = described.partition("/")
    return kind == "App" and rest.rpartition("/")[2] == app

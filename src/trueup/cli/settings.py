"""The global options of every command, and where they point by default.

``./trueup.yaml`` (or ``$TRUEUP_CONFIG``) for the configuration and
``$XDG_STATE_HOME/trueup/trueup.db`` (or ``$TRUEUP_STORE``) for the history and inventories.
Cheap to import: the root command builds :class:`Settings` before any sub-command runs,
even one that only prints its help.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from trueup.render import RenderLimits


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
    server: str | None = None
    """The URL of a running daemon's API to ask (``--server``); None: the one announced
    for this configuration and store, if any (see ``trueup.cli.discovery``)."""
    token_file: Path | None = None
    """A file holding the API token (``--token-file``); None: ``$TRUEUP_TOKEN``."""

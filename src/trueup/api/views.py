"""The CLI's JSON shapes that the API answers in, handed to the API by ``trueup serve``.

``trueup status``, ``diff`` and ``sync`` decide what their rows and reports say in the
CLI layer (``cli/status.py``, ``cli/diff_output.py``, ``cli/apps.py``); the API layer is
below it and cannot import them, so ``cli/serve.py`` passes them in. One rule each, and
the CLI asking a daemon shows exactly what it would show from the store.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from trueup.config import LoadedConfig
from trueup.engine import SyncReport
from trueup.store import Store


class StatusData(Protocol):
    """``trueup.cli.status.status_data``: each App's status row, from the store."""

    async def __call__(
        self,
        store: Store,
        names: list[str],
        *,
        invalid: Mapping[str, str] | None = None,
        suspended: Collection[str] = (),
        removed: Collection[str] = (),
        heads: Mapping[str, str | None] | None = None,
    ) -> list[dict[str, str]]:
        """One row per App named (keys as ``trueup status -o json``)."""
        ...


class RemovedApps(Protocol):
    """``trueup.cli.status.removed_apps``: the Apps the store knows that the configuration
    no longer has and that still own objects (status lists them as removed)."""

    async def __call__(self, store: Store, configured: Collection[str]) -> list[str]:
        """Their names, sorted."""
        ...


@dataclass(frozen=True, slots=True)
class Views:
    """The functions of the CLI that shape the API's answers."""

    configured: Callable[[LoadedConfig], dict[str, str]]
    """Every App of the configuration by name: '' for a valid one, else why it is invalid."""
    status: StatusData
    report: Callable[[SyncReport], dict[str, Any]]
    """A sync report as ``trueup sync -o json`` prints it."""
    diff: Callable[[SyncReport], list[dict[str, Any]]]
    """The entries ``trueup diff -o json`` prints (both sides masked)."""
    removed: RemovedApps

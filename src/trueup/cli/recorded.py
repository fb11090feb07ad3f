"""The store alone, for the commands that only read what was recorded (status, history).

Opening it loads neither the engine nor the HTTP client.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from trueup.cli.settings import Settings
from trueup.store import SqliteStore, mark_interrupted


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

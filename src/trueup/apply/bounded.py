"""Run one coroutine per item with at most ``limit`` of them in flight, results in order.

The workers turn object-level failures into values themselves; what escapes (the target
unreachable, a bug) cancels the siblings and is raised as itself, not wrapped in an
exception group, so that callers can catch ``TargetUnavailableError`` plainly.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")


async def map_bounded(work: Callable[[T], Awaitable[R]], items: Iterable[T], limit: int) -> list[R]:
    """``[await work(item) for item in items]``, run concurrently, ``limit`` at a time."""
    pending = list(items)
    if not pending:
        return []
    slots = asyncio.Semaphore(max(1, limit))

    async def one(item: T) -> R:
        async with slots:
            return await work(item)

    first: BaseException | None = None
    try:
        async with asyncio.TaskGroup() as group:
            tasks = [group.create_task(one(item)) for item in pending]
    except BaseExceptionGroup as failures:
        # The first failure is the one to report; the others were cancelled because of it
        # or share its cause. Raised outside the handler to keep its own cause chain.
        first = failures.exceptions[0]
    if first is not None:
        raise first
    return [task.result() for task in tasks]

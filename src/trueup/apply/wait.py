"""Wait until applied objects are healthy: poll their live state, judge each, report changes.

When the wait ends:

- every object is Healthy or Suspended (a paused rollout or suspended job waits for a
  person, not for time): done;
- with ``fail_fast`` (the default), as soon as any object is Degraded: a failed Job or a
  Deployment past its progress deadline will not heal by waiting, and every second spent
  waiting for the others delays the report. Without it, the wait goes on until every
  object is settled (Healthy, Suspended or Degraded);
- when ``timeout`` passes: the last results are returned as they are, and the caller
  decides (objects still Progressing or Missing then say what was not reached).

Nothing is raised for unhealthy objects; an object whose state could not be read is
Unknown. Sleep and clock are injectable, so tests run on a fake clock without sleeping.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence

from trueup.apply.live import read_live, ref_of
from trueup.failure import Failure, Reason
from trueup.health import HealthOverrides, HealthResult, HealthStatus, health_of
from trueup.objects import Object, ObjectId
from trueup.targets import Target

Progress = Callable[[Mapping[ObjectId, HealthResult]], None]
"""Called with every object's health whenever one of them changed (and once at the start)."""

_DONE = (HealthStatus.HEALTHY, HealthStatus.SUSPENDED)
_SETTLED = (*_DONE, HealthStatus.DEGRADED)
_UNREAD = HealthResult(HealthStatus.UNKNOWN, "its state could not be read from the target")


def finished(results: Mapping[ObjectId, HealthResult], *, fail_fast: bool = True) -> bool:
    """Whether waiting longer is pointless (see the module docstring)."""
    statuses = [result.status for result in results.values()]
    if fail_fast and HealthStatus.DEGRADED in statuses:
        return True
    settled = _DONE if fail_fast else _SETTLED
    return all(status in settled for status in statuses)


async def wait_healthy(
    target: Target,
    ids: Sequence[ObjectId],
    timeout: float,  # noqa: ASYNC109  (measured on the injectable clock)
    on_progress: Progress | None = None,
    *,
    interval: float = 1.0,
    fail_fast: bool = True,
    overrides: HealthOverrides | None = None,
    concurrency: int = 16,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> Mapping[ObjectId, HealthResult]:
    """Poll ``ids`` every ``interval`` seconds until they are healthy, one fails, or time is up.

    Returns the health of every id as last read.
    """
    if not ids:
        return {}
    deadline = clock() + timeout
    last: dict[ObjectId, HealthResult] | None = None
    refs: dict[ObjectId, Object | ObjectId] = dict(zip(ids, ids, strict=True))
    while True:
        live = await read_live(target, list(refs.values()), concurrency=concurrency)
        results = {}
        for oid in ids:
            found = live.get(oid)
            if found is not None:
                # Next time, read it in the version just seen: a LIST with no version lookup.
                refs[oid] = ref_of(oid, found)
            results[oid] = health_of(found, overrides=overrides) if oid in live else _UNREAD
        if results != last:
            last = results
            if on_progress is not None:
                on_progress(results)
        remaining = deadline - clock()
        if finished(results, fail_fast=fail_fast) or remaining <= 0:
            return results
        await sleep(min(interval, remaining))


def wait_failure(
    results: Mapping[ObjectId, HealthResult],
    timeout: float,
) -> Failure | None:
    """Why a wait that returned ``results`` failed, or None when every object is done.

    A Degraded object is a ``degraded`` failure; an object still short of Healthy (or
    Suspended) when the wait ended is a ``timeout``. The first such object is named, with
    its health and why.
    """
    degraded = [(oid, r) for oid, r in results.items() if r.status is HealthStatus.DEGRADED]
    if degraded:
        oid, result = degraded[0]
        return Failure(Reason.DEGRADED, f"{oid} is {result}{_more(degraded, 'Degraded')}")
    waiting = [(oid, r) for oid, r in results.items() if r.status not in _DONE]
    if waiting:
        oid, result = waiting[0]
        return Failure(
            Reason.TIMEOUT,
            f"timed out after {timeout:g}s waiting for {oid} ({result}){_more(waiting, 'waiting')}"
            "; raise --timeout or spec.timeout",
        )
    return None


def _more(found: Sequence[tuple[ObjectId, HealthResult]], what: str) -> str:
    return f" and {len(found) - 1} more {what}" if len(found) > 1 else ""

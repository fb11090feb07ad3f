"""The campaign of one candidate for leadership, whatever keeps the lease: a Lease or a lock.

:class:`Campaign` runs the loop both electors of :mod:`trueup.daemon.leader` share; a
subclass says only how to try once to take or renew its lease (``_try``) and how to give
it up (``_give_up``). The rules, which are client-go's:

- :meth:`~Campaign.acquire` tries every ``retry_period`` (or sooner, when the holder's
  lease runs out sooner) until the lease is ours, telling ``on_wait`` who holds it whenever
  that changes;
- while leading, the lease is renewed every ``retry_period``; leadership lasts
  ``renew_deadline`` from the start of the last successful renewal, on this process's
  monotonic clock, and :meth:`~Campaign.is_leader` says whether that time has not passed;
- once it has passed (the renewals failed, or the process was paused), or the lease shows
  another holder, leadership is lost for good: ``on_lost`` is told once, and the caller
  campaigns again with :meth:`~Campaign.acquire` if it wants to lead again;
- :meth:`~Campaign.release` stops renewing and gives the lease up, so that another
  candidate takes over at once instead of after the lease runs out.

Others wait ``lease_duration`` from when they last saw the lease change before they take it
over, and ``renew_deadline`` is shorter: a leader that could not renew stops before anyone
else starts. The write guard :meth:`~Campaign.ensure_leader` makes that hold for writes
already under way when a paused process resumes.
"""

from __future__ import annotations

import asyncio
from abc import ABC, abstractmethod
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, TypeVar

from trueup.daemon.clock import Clock, SystemClock
from trueup.errors import NotLeaderError, TrueupError

T = TypeVar("T")

DEFAULT_LEASE_DURATION = timedelta(seconds=15)
"""How long others wait for a silent leader before they take over (client-go's default)."""
DEFAULT_RENEW_DEADLINE = timedelta(seconds=10)
"""How long a leader leads after its last successful renewal."""
DEFAULT_RETRY_PERIOD = timedelta(seconds=2)
"""How often a leader renews and a candidate tries."""


@dataclass(frozen=True, slots=True)
class Waiting:
    """Why a candidate does not lead yet: who holds the lease ('' when not known) and a
    message for people naming the holder or the problem."""

    holder: str
    message: str
    runs_out_in: float | None = None
    """Seconds until the holder's lease runs out unless it is renewed, as this candidate
    sees it (None when not known): the candidate tries again then, if that is sooner than
    its retry period."""


def _ignore(_: Any) -> None:
    """The default of a callback nobody asked for."""


class Campaign(ABC):
    """One candidate's campaign for the lease ``what``; see the module docstring.

    ``identity`` names this candidate to the others. ``on_wait`` gets a :class:`Waiting`
    while :meth:`acquire` waits (once per holder), ``on_lost`` a message when leadership is
    lost; both are called from the event loop and must not block. ``clock`` measures every
    period and deadline (monotonic; a test passes a ``ManualClock``).
    """

    def __init__(
        self,
        *,
        what: str,
        identity: str,
        lease_duration: timedelta,
        renew_deadline: timedelta,
        retry_period: timedelta,
        clock: Clock | None,
        on_wait: Callable[[Waiting], None] | None,
        on_lost: Callable[[str], None] | None,
    ) -> None:
        if not timedelta(0) < retry_period < renew_deadline < lease_duration:
            raise ValueError(
                f"leader election for {what}: the retry period ({retry_period}) must be "
                f"positive and shorter than the renew deadline ({renew_deadline}), which must "
                f"be shorter than the lease duration ({lease_duration})"
            )
        if not identity:
            raise ValueError(f"leader election for {what}: the identity must not be empty")
        self.what = what
        """The lease, as messages name it (``Lease/trueup/trueup-leader``)."""
        self.identity = identity
        """This candidate, as the lease records its holder."""
        self.lease_duration = lease_duration
        self._deadline = renew_deadline.total_seconds()
        self._retry = retry_period.total_seconds()
        self._clock = clock or SystemClock()
        self._on_wait = on_wait or _ignore
        self._on_lost = on_lost or _ignore
        self._renewed_at: float | None = None
        """When the last successful renewal started (monotonic), while leading."""
        self._renewal: asyncio.Task[None] | None = None
        self._problem = ""
        """Why the renewals since the last successful one failed ('' when none did)."""

    @abstractmethod
    async def _try(self) -> Waiting | None:
        """Take or renew the lease once: None when it is ours now, else who holds it.

        Raises :class:`~trueup.errors.TrueupError` when the lease could not be read or
        written (a lost race for it included).
        """

    @abstractmethod
    async def _give_up(self) -> None:
        """Free the lease if this candidate holds it; leave anyone else's alone."""

    async def acquire(self) -> None:
        """Wait until this candidate leads, then renew in the background until lost or released.

        Returns at once while this candidate still leads. Cancelling the wait may leave the
        lease taken all the same: call :meth:`release`.
        """
        self._notice_loss()
        if self._renewal is not None:
            return
        told = ""
        while True:
            started = self._clock.now()
            try:
                waiting = await self._within(self._deadline, self._try())
            except (TrueupError, TimeoutError) as error:
                problem = str(error) or "no answer in time"
                waiting = Waiting(
                    "",
                    f"{self.what} could not be read or taken ({problem}); {self.identity} "
                    f"tries again every {self._retry:g} s",
                )
            if waiting is None:
                self._renewed_at = started
                self._renewal = asyncio.create_task(
                    self._renew(), name=f"renew {self.what} for {self.identity}"
                )
                return
            if (waiting.holder or waiting.message) != told:
                told = waiting.holder or waiting.message
                self._on_wait(waiting)
            runs_out_in = self._retry if waiting.runs_out_in is None else waiting.runs_out_in
            await self._clock.sleep(min(self._retry, runs_out_in))

    def is_leader(self) -> bool:
        """Whether this candidate leads now: its last renewal started less than
        ``renew_deadline`` ago, and leadership was neither lost nor released since."""
        renewed = self._renewed_at
        return renewed is not None and self._clock.now() - renewed < self._deadline

    def ensure_leader(self) -> None:
        """Raise :class:`~trueup.errors.NotLeaderError` unless this candidate leads now.

        The write guard of the targets a leader changes (``KubernetesTargets(write_guard=
        elector.ensure_leader)``): called before every write, it refuses the writes of a
        process that stopped leading. When it is the first to notice that leadership ran
        out (a paused process resumed, and a write came due before the renewal), it tells
        ``on_lost`` first.
        """
        self._notice_loss()
        if not self.is_leader():
            raise NotLeaderError(
                f"{self.identity} does not lead {self.what} (any more): a write was refused so "
                "that two trueup processes never change the target at once; this process "
                "campaigns again and leads once the lease is free"
            )

    async def release(self) -> None:
        """Stop leading and give the lease up, so that another candidate takes over at once.

        Safe to call at any time, leading or not. Raises ``TrueupError`` when the lease
        could not be written: it then runs out by itself after ``lease_duration``.
        """
        renewal, self._renewal = self._renewal, None
        self._renewed_at = None
        if renewal is not None:
            renewal.cancel()
            await asyncio.wait([renewal])
        await self._give_up()

    async def _renew(self) -> None:
        try:
            await self._renew_until_lost()
        except Exception as error:
            # A bug, not a failed renewal (those are caught): lose rather than lead blind.
            if self._renewed_at is not None:
                self._lose(f"renewing {self.what} failed unexpectedly ({error!r})")
            raise

    async def _renew_until_lost(self) -> None:
        self._problem = ""
        while True:
            await self._clock.sleep(self._retry)
            renewed_at = self._renewed_at
            assert renewed_at is not None  # cleared only by losing or releasing, which end this
            started = self._clock.now()
            left = renewed_at + self._deadline - started
            if left > 0:
                try:
                    waiting = await self._within(left, self._try())
                except TimeoutError:
                    self._problem = f"no answer within the renew deadline of {self._deadline:g} s"
                except TrueupError as error:
                    self._problem = str(error)
                else:
                    if waiting is not None:
                        self._lose(f"{waiting.holder or 'someone else'} holds {self.what} now")
                        return
                    if self._clock.now() - renewed_at < self._deadline:
                        self._renewed_at, self._problem = started, ""
                        continue
                    self._problem = "the renewal came back after the renew deadline"
            if self._clock.now() - renewed_at >= self._deadline:
                self._lose(self._not_renewed())
                return

    def _not_renewed(self) -> str:
        why = self._problem or "this process was paused or too busy"
        return f"{self.what} was not renewed within {self._deadline:g} s ({why})"

    def _notice_loss(self) -> None:
        """Declare leadership lost if it ran out and the renewal has not said so yet."""
        renewal = self._renewal
        if renewal is None or self.is_leader():
            return
        renewal.cancel()
        self._lose(self._not_renewed())

    def _lose(self, why: str) -> None:
        self._renewed_at = None
        self._renewal = None
        self._on_lost(
            f"{self.identity} lost the leadership of {self.what}: {why}; it stopped writing"
        )

    async def _within(self, seconds: float, work: Coroutine[Any, Any, T]) -> T:
        """``work``'s result, or ``TimeoutError`` (and ``work`` cancelled) once ``seconds``
        have passed on the campaign's clock."""
        task = asyncio.ensure_future(work)
        timer = asyncio.ensure_future(self._clock.sleep(seconds))
        try:
            await asyncio.wait({task, timer}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            task_done = task.done()
            task.cancel()
            timer.cancel()
            await asyncio.wait({task, timer})
            if not task.cancelled():
                task.exception()  # retrieved: raised below when it is the answer
        if not task_done:
            raise TimeoutError
        return task.result()

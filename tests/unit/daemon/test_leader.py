"""Leader election on fakes: of two candidates one leads, and leadership moves safely.

Every test runs with both electors: ``lease`` (a Lease on the in-memory target) and
``store`` (a lock in the in-memory store). Each candidate is a process of its own with a
``ManualClock`` of its own: a candidate whose clock stands still is a process that is
paused (or killed), and advancing it at once by a long time is that process resuming.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest
from pydantic import TypeAdapter, ValidationError

from trueup.config.meta import Name
from trueup.daemon.clock import ManualClock
from trueup.daemon.leader import (
    LEADER_LOCK_PREFIX,
    LeaseElector,
    StoreElector,
    Waiting,
    election_name,
)
from trueup.errors import (
    NotLeaderError,
    ObjectConflictError,
    TargetUnavailableError,
    TrueupError,
)
from trueup.objects import Object, ObjectId
from trueup.store import AppLock, MemoryStore, Owner
from trueup.targets.memory import MemoryTarget

pytestmark = pytest.mark.anyio

EPOCH = datetime(2030, 1, 1, tzinfo=UTC)
LEASE = ObjectId("coordination.k8s.io", "Lease", "default", "trueup-leader")
DURATION, DEADLINE, RETRY = 15.0, 10.0, 2.0
STEP = 0.5
"""Seconds a clock moves at a time when time passes for a running candidate."""

_pids = itertools.count(1000)


async def settle() -> None:
    """Let every coroutine that can run, run (the clocks stand still)."""
    for _ in range(50):
        await asyncio.sleep(0)


@dataclass
class Candidate:
    """One process of the election: its elector, its clock and what it was told."""

    elector: LeaseElector | StoreElector
    clock: ManualClock
    waits: list[Waiting] = field(default_factory=list)
    lost: list[str] = field(default_factory=list)
    campaign: asyncio.Task[None] | None = None

    def campaign_in_background(self) -> None:
        self.campaign = asyncio.create_task(self.elector.acquire())

    def leads(self) -> bool:
        return self.elector.is_leader()


class FailingStore(MemoryStore):
    """A store whose locks fail with ``failure`` once it is set."""

    failure: Exception | None = None

    async def try_lock(
        self, app: str, *, owner: str, token: str, purpose: str, now: datetime, ttl: timedelta
    ) -> AppLock:
        if self.failure is not None:
            raise self.failure
        return await super().try_lock(
            app, owner=owner, token=token, purpose=purpose, now=now, ttl=ttl
        )


@dataclass
class Election:
    """Candidates for one lease: a Lease on ``target`` or a lock in ``store``."""

    kind: str
    target: MemoryTarget = field(default_factory=MemoryTarget)
    store: MemoryStore = field(default_factory=FailingStore)
    candidates: list[Candidate] = field(default_factory=list)

    def candidate(self, identity: str, target: MemoryTarget | None = None) -> Candidate:
        clock = ManualClock()
        waits: list[Waiting] = []
        lost: list[str] = []

        def wall() -> datetime:
            return EPOCH + timedelta(seconds=clock.now())

        elector: LeaseElector | StoreElector
        if self.kind == "lease":
            elector = LeaseElector(
                target or self.target,
                "default",
                "trueup-leader",
                identity,
                clock=clock,
                wall=wall,
                on_wait=waits.append,
                on_lost=lost.append,
                lease_duration=timedelta(seconds=DURATION),
                renew_deadline=timedelta(seconds=DEADLINE),
                retry_period=timedelta(seconds=RETRY),
            )
        else:
            elector = StoreElector(
                self.store,
                "trueup-leader",
                identity,
                clock=clock,
                wall=wall,
                owner=Owner("host", "boot", next(_pids), 1),
                gone=lambda _owner: False,
                on_wait=waits.append,
                on_lost=lost.append,
                lease_duration=timedelta(seconds=DURATION),
                renew_deadline=timedelta(seconds=DEADLINE),
                retry_period=timedelta(seconds=RETRY),
            )
        candidate = Candidate(elector, clock, waits, lost)
        self.candidates.append(candidate)
        return candidate

    async def run(self, seconds: float, *running: Candidate) -> None:
        """Let ``seconds`` pass for the ``running`` candidates (the others are paused)."""
        for _ in range(round(seconds / STEP)):
            await settle()
            for candidate in running:
                await candidate.clock.advance(STEP)
            await settle()

    async def run_until(
        self, condition: Callable[[], bool], limit: float, *running: Candidate
    ) -> float:
        """Let time pass for ``running`` until ``condition`` holds; the seconds it took."""
        waited = 0.0
        while not condition():
            if waited >= limit:
                raise AssertionError(f"did not happen within {limit} s of fake time")
            await self.run(STEP, *running)
            waited += STEP
        return waited

    async def close(self) -> None:
        for candidate in self.candidates:
            if candidate.campaign is not None:
                candidate.campaign.cancel()
            with contextlib.suppress(TrueupError):  # a test left the target failing
                await candidate.elector.release()


@pytest.fixture(params=["lease", "store"])
async def election(request: pytest.FixtureRequest) -> AsyncIterator[Election]:
    election = Election(request.param)
    yield election
    await election.close()


async def test_of_two_candidates_one_leads_and_the_other_waits_naming_it(
    election: Election,
) -> None:
    a, b = election.candidate("a"), election.candidate("b")

    await a.elector.acquire()
    b.campaign_in_background()
    await election.run(60, a, b)

    assert a.leads()
    assert not b.leads()
    assert b.campaign is not None
    assert not b.campaign.done()
    assert [wait.holder for wait in b.waits] == ["a"]
    assert "is held by a" in b.waits[0].message
    assert a.lost == []
    a.elector.ensure_leader()
    with pytest.raises(NotLeaderError, match="b does not lead"):
        b.elector.ensure_leader()


async def test_the_other_takes_over_once_the_leader_stops_renewing(election: Election) -> None:
    a, b = election.candidate("a"), election.candidate("b")
    await a.elector.acquire()
    b.campaign_in_background()
    await election.run(5, a, b)

    # a is killed (its clock stands still): b must wait out the whole lease, no longer.
    await election.run(DURATION - RETRY - STEP, b)
    assert not b.leads()
    await election.run_until(lambda: b.leads(), 2 * RETRY + STEP, b)

    assert b.campaign is not None
    assert b.campaign.done()
    assert b.lost == []


async def test_a_paused_leader_stops_writing_before_its_renewal_notices(
    election: Election,
) -> None:
    a, b = election.candidate("a"), election.candidate("b")
    await a.elector.acquire()
    b.campaign_in_background()
    seen_by_writer: list[tuple[bool, int]] = []

    async def reconcile() -> None:
        # An in-flight reconcile whose next write comes due before a's next renewal.
        await a.clock.sleep(RETRY / 2)
        seen_by_writer.append((a.leads(), len(a.lost)))
        try:
            a.elector.ensure_leader()
        finally:
            # The guard noticed first, so it told on_lost before refusing.
            seen_by_writer.append((a.leads(), len(a.lost)))

    writer = asyncio.create_task(reconcile())
    await settle()
    # a is paused (SIGSTOP) while b waits the lease out and takes over.
    await election.run_until(lambda: b.leads(), DURATION + 2 * RETRY, b)

    await a.clock.advance(DURATION * 3)  # SIGCONT, long after the lease ran out
    await settle()

    assert seen_by_writer == [(False, 0), (False, 1)]
    assert writer.done()
    assert isinstance(writer.exception(), NotLeaderError)
    assert len(a.lost) == 1
    assert "a lost the leadership" in a.lost[0]
    assert not a.leads()
    assert b.leads()


async def test_a_leader_that_missed_its_renew_deadline_is_told_once_and_stays_lost(
    election: Election,
) -> None:
    a = election.candidate("a")
    await a.elector.acquire()
    await election.run(4, a)
    assert a.leads()

    await a.clock.advance(DEADLINE)  # paused past the renew deadline, nobody took over
    assert not a.leads()
    with pytest.raises(NotLeaderError):
        a.elector.ensure_leader()
    await settle()
    await election.run(10, a)

    assert len(a.lost) == 1
    assert f"not renewed within {DEADLINE:g} s" in a.lost[0]
    assert not a.leads()
    # Campaigning again finds its own lease, and leads again at once.
    await a.elector.acquire()
    assert a.leads()


async def test_a_failing_renewal_is_retried_until_the_renew_deadline(election: Election) -> None:
    a = election.candidate("a")
    await a.elector.acquire()
    failure = TargetUnavailableError("the API server is restarting")

    if election.kind == "lease":
        election.target.fail("replace", failure, times=2)
        await election.run(3 * RETRY, a)
        assert a.leads()
        assert a.lost == []
        election.target.fail("replace", failure, times=None)
    else:
        assert isinstance(election.store, FailingStore)
        election.store.failure = failure
    await election.run_until(lambda: bool(a.lost), DEADLINE + RETRY, a)

    assert not a.leads()
    assert "the API server is restarting" in a.lost[0]


async def test_release_lets_the_other_take_over_at_once(election: Election) -> None:
    a, b = election.candidate("a"), election.candidate("b")
    await a.elector.acquire()
    b.campaign_in_background()
    await election.run(6, a, b)

    await a.elector.release()

    assert not a.leads()
    await election.run_until(lambda: b.leads(), RETRY, b)
    assert a.lost == []
    assert b.lost == []


async def test_of_two_candidates_racing_for_an_expired_lease_exactly_one_wins(
    election: Election,
) -> None:
    ghost = election.candidate("ghost")
    await ghost.elector.acquire()
    a, b = election.candidate("a"), election.candidate("b")
    a.campaign_in_background()
    b.campaign_in_background()
    # The ghost is killed; both wait out its lease in lockstep and race for it.
    await election.run_until(lambda: a.leads() or b.leads(), DURATION + 2 * RETRY, a, b)
    await election.run(3 * RETRY, a, b)

    assert sorted([a.leads(), b.leads()]) == [False, True]
    winner, loser = (a, b) if a.leads() else (b, a)
    assert loser.waits[-1].holder == winner.elector.identity


async def test_release_when_not_leading_leaves_the_leaders_lease_alone(
    election: Election,
) -> None:
    a, b = election.candidate("a"), election.candidate("b")
    await a.elector.acquire()

    await b.elector.release()
    await election.run(4, a)

    assert a.leads()
    assert a.lost == []


async def test_timings_that_cannot_be_safe_are_refused() -> None:
    store = MemoryStore()
    with pytest.raises(ValueError, match="shorter than the lease duration"):
        StoreElector(
            store,
            "x",
            "a",
            lease_duration=timedelta(seconds=10),
            renew_deadline=timedelta(seconds=10),
        )
    with pytest.raises(ValueError, match="retry period"):
        StoreElector(store, "x", "a", retry_period=timedelta(seconds=11))


async def test_a_lock_of_a_holder_that_has_provably_ended_is_taken_at_once() -> None:
    store, clock = MemoryStore(), ManualClock()
    dead = Owner("host", "boot", 4242, 1)
    held = await store.try_lock(
        LEADER_LOCK_PREFIX + "trueup-leader",
        owner=str(dead),
        token="dead",
        purpose="ghost",
        now=EPOCH,
        ttl=timedelta(hours=1),
    )
    elector = StoreElector(
        store,
        "trueup-leader",
        "a",
        clock=clock,
        wall=lambda: EPOCH,
        gone=lambda owner: owner == dead,
        retry_period=timedelta(seconds=RETRY),
    )

    await elector.acquire()

    assert elector.is_leader()
    [lock] = await store.locks()
    assert lock.token != held.token
    assert lock.purpose == "a"
    await elector.release()
    assert await store.locks() == []


def test_no_app_name_can_be_an_elections_lock() -> None:
    assert ":" in LEADER_LOCK_PREFIX
    with pytest.raises(ValidationError):
        TypeAdapter(Name).validate_python(LEADER_LOCK_PREFIX + "web")
    assert TypeAdapter(Name).validate_python(election_name("/etc/trueup")) == election_name(
        "/etc/trueup"
    )


# The Lease ------------------------------------------------------------------------------


def spec(target: MemoryTarget) -> Object:
    [lease] = [obj for obj in target.objects() if obj["kind"] == "Lease"]
    result: Object = lease["spec"]
    return result


async def test_the_lease_carries_client_gos_fields_and_counts_transitions() -> None:
    election = Election("lease")
    a, b = election.candidate("a"), election.candidate("b")
    await a.elector.acquire()
    first = spec(election.target)
    await election.run(4, a)
    renewed = spec(election.target)
    await a.elector.release()
    after_release = spec(election.target)
    await b.elector.acquire()

    assert first == {
        "holderIdentity": "a",
        "leaseDurationSeconds": 15,
        "acquireTime": "2030-01-01T00:00:00.000000Z",
        "renewTime": "2030-01-01T00:00:00.000000Z",
        "leaseTransitions": 0,
    }
    assert renewed["renewTime"] == "2030-01-01T00:00:04.000000Z"
    assert renewed["acquireTime"] == first["acquireTime"]
    assert "holderIdentity" not in after_release
    assert spec(election.target)["holderIdentity"] == "b"
    assert spec(election.target)["leaseTransitions"] == 1
    await election.close()


class ReadersMeet(MemoryTarget):
    """A target on which the next two reads of the Lease return together: a race."""

    def __init__(self) -> None:
        super().__init__()
        self.racing = False
        self._readers: list[asyncio.Future[None]] = []

    async def get(self, ref: Object | ObjectId) -> Object | None:
        live = await super().get(ref)
        if self.racing:
            arrived = asyncio.get_running_loop().create_future()
            self._readers.append(arrived)
            if len(self._readers) == 2:
                self.racing = False
                for reader in self._readers:
                    reader.set_result(None)
            await arrived
        return live


@pytest.mark.parametrize("seeded", [True, False], ids=["expired", "absent"])
async def test_of_two_writes_from_one_read_of_the_lease_only_one_lands(seeded: bool) -> None:
    target = ReadersMeet()
    election = Election("lease", target=target)
    if seeded:
        target.put(
            {
                "apiVersion": "coordination.k8s.io/v1",
                "kind": "Lease",
                "metadata": {"name": LEASE.name, "namespace": LEASE.namespace},
                "spec": {"holderIdentity": "ghost", "leaseDurationSeconds": 15},
            }
        )
    a, b = election.candidate("a"), election.candidate("b")
    for candidate in (a, b):
        await candidate.clock.advance(0)
    if seeded:
        # Both see the ghost's lease, then wait it out before they race.
        a.campaign_in_background()
        b.campaign_in_background()
        await settle()
        await election.run(DURATION - STEP, a, b)
        assert not a.leads()
        assert not b.leads()
    target.racing = True
    if not seeded:
        a.campaign_in_background()
        b.campaign_in_background()
    await election.run_until(lambda: a.leads() or b.leads(), 2 * RETRY + STEP, a, b)
    await election.run(2 * RETRY, a, b)

    assert sorted([a.leads(), b.leads()]) == [False, True]
    winner, loser = (a, b) if a.leads() else (b, a)
    assert spec(target)["holderIdentity"] == winner.elector.identity
    assert any(
        "Conflict" in wait.message or "AlreadyExists" in wait.message for wait in loser.waits
    )
    assert loser.waits[-1].holder == winner.elector.identity
    await election.close()


async def test_a_conflict_while_renewing_is_retried_not_lost() -> None:
    election = Election("lease")
    a = election.candidate("a")
    await a.elector.acquire()
    election.target.fail(
        "replace", ObjectConflictError("Lease/default/trueup-leader: Conflict"), times=1
    )

    await election.run(4 * RETRY, a)

    assert a.leads()
    assert a.lost == []
    assert spec(election.target)["renewTime"] == "2030-01-01T00:00:08.000000Z"
    await election.close()


async def test_a_lease_taken_by_someone_else_is_lost_at_the_next_renewal() -> None:
    election = Election("lease")
    a = election.candidate("a")
    await a.elector.acquire()
    live = await election.target.get(LEASE)
    assert live is not None
    await election.target.replace({**live, "spec": {**live["spec"], "holderIdentity": "intruder"}})

    await election.run(RETRY, a)

    assert not a.leads()
    assert a.lost == [
        "a lost the leadership of Lease/default/trueup-leader: intruder holds "
        "Lease/default/trueup-leader now; it stopped writing"
    ]
    await election.close()


class Unanswered(MemoryTarget):
    """A target whose writes, once ``hanging`` is set, are never answered."""

    def __init__(self) -> None:
        super().__init__()
        self.hanging = False

    async def replace(self, obj: Object) -> Object:
        if self.hanging:
            await asyncio.get_running_loop().create_future()
        return await super().replace(obj)


async def test_a_renewal_left_unanswered_loses_leadership_at_the_renew_deadline() -> None:
    target = Unanswered()
    election = Election("lease", target=target)
    a = election.candidate("a")
    await a.elector.acquire()
    target.hanging = True

    await election.run(DEADLINE - STEP, a)
    assert a.leads()
    assert a.lost == []
    await election.run(STEP, a)

    assert not a.leads()
    assert len(a.lost) == 1
    assert "no answer within the renew deadline" in a.lost[0]
    target.hanging = False
    await election.close()

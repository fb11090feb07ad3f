"""Leader election: of several ``trueup serve`` processes for one configuration, one acts.

Two electors, one behaviour (:class:`Elector`; the loop is :mod:`.leader_loop`, with the
rules and the timing):

- :class:`LeaseElector` keeps the lease in a ``coordination.k8s.io/v1`` Lease on the target
  cluster, written with optimistic concurrency (``Target.replace``), the fields and rules
  of client-go's leader election (see :mod:`.leader_lease`); the same mechanism serves when
  trueup runs inside Kubernetes. For configurations with one target.
- :class:`StoreElector` keeps it in the store's lock ``leader:<name>`` (App names cannot
  hold a ``:``), for configurations with several targets or none. The store decides expiry
  on the writers' wall clocks, so processes on different machines sharing a store need
  clocks that agree to well within ``lease_duration - renew_deadline``; a holder that is
  provably gone (killed, on this machine) is replaced at once.

Leading::

    elector = LeaseElector(lease_target, namespace, "trueup-leader", default_identity(),
                           on_wait=..., on_lost=...)
    await elector.acquire()                  # returns once this process leads
    targets = KubernetesTargets(..., write_guard=elector.ensure_leader)
    ...                                      # act; stop when on_lost is called
    await elector.release()                  # on a clean shutdown: the next takes over now

The elector's own writes must not go through the guard: give it a target of its own.

Fencing is done by the writer, not the server: a write already handed to the network when
the process was paused still reaches the API server when it resumes. What the guard does
ensure is that no write *starts* once ``renew_deadline`` has passed since the last renewal,
which is before any other candidate may take over.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import socket
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Protocol

from trueup.daemon.clock import Clock
from trueup.daemon.leader_lease import (
    claimed,
    expired,
    lease_id,
    new_lease,
    read_record,
    released,
    whole_seconds,
    with_record,
)
from trueup.daemon.leader_loop import (
    DEFAULT_LEASE_DURATION,
    DEFAULT_RENEW_DEADLINE,
    DEFAULT_RETRY_PERIOD,
    Campaign,
    Waiting,
)
from trueup.errors import ObjectConflictError
from trueup.store.locking import describe_holder, utc_now
from trueup.store.owner import Owner
from trueup.store.protocol import Store
from trueup.targets.base import Target

__all__ = [
    "DEFAULT_LEASE_DURATION",
    "DEFAULT_RENEW_DEADLINE",
    "DEFAULT_RETRY_PERIOD",
    "LEADER_LOCK_PREFIX",
    "Elector",
    "LeaseElector",
    "StoreElector",
    "Waiting",
    "default_identity",
    "election_name",
]

LEADER_LOCK_PREFIX = "leader:"
"""The store lock of an election is this and its name; an App name never holds a ``:``."""

_TRIES = 3
"""How often one release, or one try for a lock whose holder has ended, reads and writes
again when the lease changed under it."""


class Elector(Protocol):
    """One process's part in a leader election; see the module docstring."""

    @property
    def identity(self) -> str:
        """This process, as the lease names its holder."""
        ...

    async def acquire(self) -> None:
        """Wait until this process leads; then renew in the background until lost or released."""
        ...

    def is_leader(self) -> bool:
        """Whether this process leads now (on its monotonic clock since the last renewal)."""
        ...

    def ensure_leader(self) -> None:
        """Raise ``NotLeaderError`` unless this process leads now: the targets' write guard."""
        ...

    async def release(self) -> None:
        """Stop leading and give the lease up, so that another process takes over at once."""
        ...


def default_identity() -> str:
    """A name for this process that no other candidate has: ``host_pid_random``."""
    return f"{socket.gethostname()}_{os.getpid()}_{secrets.token_hex(4)}"


def election_name(configuration: str) -> str:
    """A Lease and lock name for the election among processes of ``configuration``.

    ``configuration`` is whatever the processes that must elect one leader share (a
    configuration's path, or an installation id); the name is ``trueup-leader-`` and a
    digest of it, valid as a Kubernetes object name.
    """
    return "trueup-leader-" + hashlib.sha256(configuration.encode()).hexdigest()[:16]


class LeaseElector(Campaign):
    """Leader election on the Lease ``name`` in ``namespace`` of ``target``.

    The namespace must exist; nothing creates it. Use the one trueup's own objects live in:
    the kubeconfig context's namespace (``default`` when it names none), or, inside
    Kubernetes, the pod's. ``lease_duration`` is written in whole seconds, rounded up.
    ``wall`` gives the times written into the Lease, for people: expiry is measured on
    ``clock`` (see :mod:`.leader_lease`). ``target`` must not carry the write guard.
    """

    def __init__(
        self,
        target: Target,
        namespace: str,
        name: str,
        identity: str,
        *,
        lease_duration: timedelta = DEFAULT_LEASE_DURATION,
        renew_deadline: timedelta = DEFAULT_RENEW_DEADLINE,
        retry_period: timedelta = DEFAULT_RETRY_PERIOD,
        clock: Clock | None = None,
        wall: Callable[[], datetime] = utc_now,
        on_wait: Callable[[Waiting], None] | None = None,
        on_lost: Callable[[str], None] | None = None,
    ) -> None:
        self._id = lease_id(namespace, name)
        super().__init__(
            what=str(self._id),
            identity=identity,
            lease_duration=lease_duration,
            renew_deadline=renew_deadline,
            retry_period=retry_period,
            clock=clock,
            on_wait=on_wait,
            on_lost=on_lost,
        )
        self._target = target
        self._wall = wall
        self._seconds = whole_seconds(lease_duration)
        self._seen = read_record({})
        self._seen_at = 0.0

    async def _try(self) -> Waiting | None:
        live = await self._target.get(self._id)
        if live is None:
            record = claimed(None, self.identity, self._wall(), self._seconds)
            await self._target.replace(new_lease(self._id.namespace, self._id.name, record))
            self._seen, self._seen_at = record, self._clock.now()
            return None
        record = read_record(live)
        if record != self._seen:
            self._seen, self._seen_at = record, self._clock.now()
        now = self._clock.now()
        if record.holder not in ("", self.identity) and not expired(self._seen_at, record, now):
            renewed = f"{record.renewed:%Y-%m-%d %H:%M:%S} UTC" if record.renewed else "never"
            return Waiting(
                record.holder,
                f"{self.what} is held by {record.holder} (renewed {renewed}, for "
                f"{record.duration} s); {self.identity} takes over when it is released or "
                f"has not been renewed for {record.duration} s",
                runs_out_in=self._seen_at + record.duration - now,
            )
        mine = claimed(record, self.identity, self._wall(), self._seconds)
        await self._target.replace(with_record(live, mine))
        self._seen, self._seen_at = mine, self._clock.now()
        return None

    async def _give_up(self) -> None:
        for _ in range(_TRIES):
            live = await self._target.get(self._id)
            if live is None or read_record(live).holder != self.identity:
                return
            try:
                await self._target.replace(
                    with_record(live, released(read_record(live), self._wall()))
                )
            except ObjectConflictError:
                continue  # renewed or taken meanwhile: read it again
            return


class StoreElector(Campaign):
    """Leader election on the store's lock ``leader:<name>`` (see ``Store.try_lock``).

    The lock's time to live is ``lease_duration``, measured on ``wall`` by every process
    sharing the store. ``owner`` is this process (``Owner.current()`` unless given), and
    ``gone`` decides that a holder has provably ended (its lock is then broken at once).
    """

    def __init__(
        self,
        store: Store,
        name: str,
        identity: str,
        *,
        lease_duration: timedelta = DEFAULT_LEASE_DURATION,
        renew_deadline: timedelta = DEFAULT_RENEW_DEADLINE,
        retry_period: timedelta = DEFAULT_RETRY_PERIOD,
        clock: Clock | None = None,
        wall: Callable[[], datetime] = utc_now,
        owner: Owner | None = None,
        gone: Callable[[Owner], bool] = Owner.gone,
        on_wait: Callable[[Waiting], None] | None = None,
        on_lost: Callable[[str], None] | None = None,
    ) -> None:
        self.key = LEADER_LOCK_PREFIX + name
        """The lock's name in the store."""
        super().__init__(
            what=f"the store's lock {self.key}",
            identity=identity,
            lease_duration=lease_duration,
            renew_deadline=renew_deadline,
            retry_period=retry_period,
            clock=clock,
            on_wait=on_wait,
            on_lost=on_lost,
        )
        self._store = store
        self._wall = wall
        self._owner = str(owner or Owner.current())
        self._gone = gone
        self._token = secrets.token_hex(16)

    async def _try(self) -> Waiting | None:
        for _ in range(_TRIES):
            lock = await self._store.try_lock(
                self.key,
                owner=self._owner,
                token=self._token,
                purpose=self.identity,
                now=self._wall(),
                ttl=self.lease_duration,
            )
            if lock.token == self._token:
                return None
            holder = Owner.parse(lock.owner)
            if holder is None or not self._gone(holder):
                break
            await self._store.break_lock(self.key, token=lock.token)
        return Waiting(
            lock.purpose,
            f"{self.what} is held by {describe_holder(lock)} until "
            f"{lock.expires_at:%Y-%m-%d %H:%M:%S} UTC unless renewed; {self.identity} takes "
            "over when it is released, not renewed in time, or its process has ended",
            runs_out_in=(lock.expires_at - self._wall()).total_seconds(),
        )

    async def _give_up(self) -> None:
        await self._store.release_lock(self.key, token=self._token)

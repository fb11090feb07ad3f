"""A candidate process for the leader-election tests: campaign, and write while leading.

Run as ``python -m tests.integration.daemon.leader_driver KUBECONFIG NAMESPACE IDENTITY
[--store PATH]``. It campaigns for the Lease ``trueup-leader`` in NAMESPACE (or, with
``--store``, the lock of that name in the SQLite store at PATH) with short timings, and
says what happens on stdout, one line each:

- ``follower HOLDER``: waiting, HOLDER leads (``-`` when not known);
- ``leader``: leads now;
- ``wrote N RV``: wrote ConfigMap ``leader-writes`` (``holder``, ``count``), which the
  server stored at resourceVersion RV;
- ``refused N``: the write guard refused write N: it stops writing and campaigns again;
- ``lost MESSAGE``: the elector said leadership was lost.

The writer stops only when the guard refuses, never on ``lost``: the guard alone must keep
a process that stopped leading from writing.
"""

from __future__ import annotations

import argparse
import asyncio
from datetime import timedelta
from pathlib import Path

from trueup.daemon.leader import Elector, LeaseElector, StoreElector, Waiting
from trueup.errors import NotLeaderError
from trueup.objects import Object
from trueup.store import SqliteStore
from trueup.targets.kubernetes.pool import KubernetesTargets

NAME = "trueup-leader"
CONFIGMAP = "leader-writes"
LEASE_DURATION = timedelta(seconds=3)
RENEW_DEADLINE = timedelta(seconds=2)
RETRY_PERIOD = timedelta(seconds=0.5)
WRITE_EVERY = 0.1


def say(*words: object) -> None:
    print(*words, flush=True)


def written(namespace: str, identity: str, count: int) -> Object:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": CONFIGMAP, "namespace": namespace},
        "data": {"holder": identity, "count": str(count)},
    }


async def main(kubeconfig: str, namespace: str, identity: str, store_path: str | None) -> None:
    def waiting(wait: Waiting) -> None:
        say("follower", wait.holder or "-")

    def lost(message: str) -> None:
        say("lost", message)

    unguarded = KubernetesTargets(kubeconfig)
    store = await SqliteStore.open(Path(store_path)) if store_path else None
    elector: Elector
    if store is not None:
        elector = StoreElector(
            store,
            NAME,
            identity,
            lease_duration=LEASE_DURATION,
            renew_deadline=RENEW_DEADLINE,
            retry_period=RETRY_PERIOD,
            on_wait=waiting,
            on_lost=lost,
        )
    else:
        elector = LeaseElector(
            unguarded.get(),
            namespace,
            NAME,
            identity,
            lease_duration=LEASE_DURATION,
            renew_deadline=RENEW_DEADLINE,
            retry_period=RETRY_PERIOD,
            on_wait=waiting,
            on_lost=lost,
        )
    targets = KubernetesTargets(kubeconfig, write_guard=elector.ensure_leader)
    target = targets.get()
    count = 0
    try:
        while True:
            await elector.acquire()
            say("leader")
            while True:
                count += 1
                try:
                    stored = await target.apply(written(namespace, identity, count), dry_run=False)
                except NotLeaderError:
                    say("refused", count)
                    break
                say("wrote", count, stored["metadata"]["resourceVersion"])
                await asyncio.sleep(WRITE_EVERY)
    finally:
        await elector.release()
        await targets.aclose()
        await unguarded.aclose()
        if store is not None:
            await store.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("kubeconfig")
    parser.add_argument("namespace")
    parser.add_argument("identity")
    parser.add_argument("--store")
    options = parser.parse_args()
    asyncio.run(main(options.kubeconfig, options.namespace, options.identity, options.store))

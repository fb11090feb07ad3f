"""Wait until the CustomResourceDefinitions of a stage are established.

The stage after a CRD stage may hold the CRD's custom resources; the target can serve them
only once the CRD is Established, and the target re-discovers its kinds while waiting, so
that the next stage's dry-runs find them.
"""

from __future__ import annotations

from trueup.apply.bounded import map_bounded
from trueup.errors import TargetError, TargetUnavailableError
from trueup.objects import ObjectId
from trueup.targets import Target

_CRD = ("apiextensions.k8s.io", "CustomResourceDefinition")


def crd_ids(ids: tuple[ObjectId, ...]) -> list[ObjectId]:
    """The CustomResourceDefinitions among ``ids``, in order."""
    return [oid for oid in ids if (oid.group, oid.kind) == _CRD]


async def wait_established(
    target: Target, crds: list[ObjectId], *, within: float, concurrency: int
) -> tuple[ObjectId, TargetError | TargetUnavailableError] | None:
    """Wait for every CRD of ``crds``; the first that did not become established, and why.

    A CRD that stays unestablished is a problem of that object, not of the whole target,
    so it is returned (the caller skips what depends on it) rather than raised.
    """

    async def one(oid: ObjectId) -> tuple[ObjectId, TargetError | TargetUnavailableError] | None:
        try:
            await target.wait_established(oid.name, timeout=within)
        except (TargetError, TargetUnavailableError) as error:
            return oid, error
        return None

    problems = await map_bounded(one, crds, concurrency)
    return next((problem for problem in problems if problem is not None), None)

"""A KubernetesTarget on the dev-cluster behaves as every target must (see the contract in
``tests/unit/targets/contract.py``, which the in-memory target passes too)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import orjson
import pytest

from tests.servers.cluster import Kube
from tests.unit.targets.contract import Seed, TargetContract
from trueup.objects import Object
from trueup.targets.kubernetes import KubernetesTarget

pytestmark = pytest.mark.cluster


class TestKubernetesTarget(TargetContract):
    """Runs the target contract against the API server (``namespace``: one per test)."""

    @pytest.fixture
    async def target(self, kube: Kube) -> AsyncIterator[KubernetesTarget]:
        async with KubernetesTarget.from_kubeconfig(str(kube.kubeconfig)) as kubernetes:
            yield kubernetes

    @pytest.fixture
    def seed(self, kube: Kube) -> Seed:
        def create(obj: Object) -> None:
            kube.kubectl("create", "-f", "-", input=orjson.dumps(obj).decode())

        return create

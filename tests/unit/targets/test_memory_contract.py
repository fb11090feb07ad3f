"""The in-memory target behaves as every target must (see ``contract.py``)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.unit.targets.contract import UNDECLARED, Seed, TargetContract
from trueup.objects import Object
from trueup.targets.memory import MemoryTarget


class TestMemoryTarget(TargetContract):
    """Runs the target contract against ``MemoryTarget``."""

    @pytest.fixture
    async def target(self) -> AsyncIterator[MemoryTarget]:
        target = MemoryTarget(unknown_fields=UNDECLARED)
        yield target
        await target.aclose()

    @pytest.fixture
    async def namespace(self, target: MemoryTarget) -> str:
        ns = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "contract"}}
        await target.apply(ns, dry_run=False)
        return "contract"

    @pytest.fixture
    def seed(self, target: MemoryTarget) -> Seed:
        def create(obj: Object) -> None:
            target.put(obj)

        return create

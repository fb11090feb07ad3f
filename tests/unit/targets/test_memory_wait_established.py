"""The in-memory target's wait for CustomResourceDefinitions: immediate, or an error."""

from __future__ import annotations

import pytest

from tests.unit.apply.manifests import by_kind, load
from trueup.errors import TargetUnavailableError
from trueup.targets.memory import Call, MemoryTarget

pytestmark = pytest.mark.anyio


async def test_a_stored_crd_is_established_at_once_and_the_wait_is_recorded() -> None:
    target = MemoryTarget()
    await target.apply(by_kind(load("widgets.yaml"), "CustomResourceDefinition"), dry_run=False)

    await target.wait_established("widgets.example.com")

    assert target.calls[-1] == Call(
        "wait_established", "CustomResourceDefinition/widgets.example.com"
    )
    assert await target.resolve("example.com/v1", "Widget") is not None


async def test_waiting_for_a_crd_that_does_not_exist_fails_as_unavailable() -> None:
    target = MemoryTarget()

    with pytest.raises(TargetUnavailableError, match=r"widgets\.example\.com: does not exist"):
        await target.wait_established("widgets.example.com", timeout=5)

"""``inputs.render_setup(untrusted=True)``: the one place a ref under review is told apart.
No Secret is read, no key is given to SOPS, Helm gets no ``lookup`` and no Secret values,
and the render is never cached."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from tests.unit.engine.harness import Harness, configmap
from trueup.inputs import render_setup
from trueup.inputs.options import UNREAD_SECRET
from trueup.objects import Object, ObjectId
from trueup.render import RenderLimits

pytestmark = pytest.mark.anyio

CANARY = "untrusted-setup-canary-93ad"
SOPS_KEY = Path(__file__).parents[2] / "fixtures" / "sops" / "test-only-age-key.txt"


def seed(harness: Harness) -> list[str]:
    """A ConfigMap and a Secret in the target; the ids ``get`` is asked for, recorded."""
    secret = {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": "creds", "namespace": "shop"},
        "data": {"values.yaml": base64.b64encode(f"password: {CANARY}\n".encode()).decode()},
    }
    harness.target.put(secret)
    harness.target.put(configmap("env", "shop", **{"values.yaml": "color: blue\n"}))
    asked: list[str] = []
    original = harness.target.get

    async def get(ref: Object | ObjectId) -> Object | None:
        asked.append(str(ref))
        return await original(ref)

    harness.target.get = get  # type: ignore[method-assign]
    return asked


async def test_helm_gets_configmap_values_only_and_no_lookup(harness: Harness) -> None:
    asked = seed(harness)
    harness.app(
        "web",
        namespace="shop",
        serviceAccountName="web",
        helm={
            "chart": "chart",
            "lookup": True,
            "valuesFrom": [
                {"kind": "ConfigMap", "name": "env"},
                {"kind": "Secret", "name": "creds"},
            ],
        },
    )
    engine = harness.engine()
    app = engine.app("web")

    setup = await render_setup(app, engine.config, harness.target, RenderLimits(), untrusted=True)

    helm = setup.options.helm
    assert helm is not None
    assert helm.values_from == ("color: blue\n",)
    assert helm.lookup is None
    assert not helm.spec.lookup
    assert setup.cache_key is None
    assert setup.options.untrusted
    assert asked == ["ConfigMap/shop/env"]
    assert CANARY not in repr(setup)


async def test_substitution_reads_no_secret_and_sets_the_placeholder(harness: Harness) -> None:
    asked = seed(harness)
    key = SOPS_KEY.read_text()
    harness.config_secrets["sops-keys"] = {"test.agekey": key}
    harness.app(
        "web",
        namespace="shop",
        substituteFrom=[{"kind": "Secret", "name": "creds"}],
        decryption={"provider": "sops", "secretRef": {"name": "sops-keys"}},
    )
    engine = harness.engine()
    app = engine.app("web")

    untrusted = await render_setup(app, engine.config, None, RenderLimits(), untrusted=True)

    substitution = untrusted.options.substitution
    assert substitution is not None
    assert dict(substitution.variables) == {}
    assert substitution.unset == UNREAD_SECRET
    assert untrusted.options.decryption is None
    assert asked == []

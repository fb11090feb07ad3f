"""``valuesFrom`` documents, unstable fields and the memory target's capabilities."""

from __future__ import annotations

import asyncio
from types import MappingProxyType

import pytest

from trueup.config.helm import ValuesRef
from trueup.errors import RenderError
from trueup.inputs import InputData
from trueup.objects import ObjectId, Origin, object_id
from trueup.plan.ignore import IgnoreRule, IgnoreTarget, ignore_differences
from trueup.render.helm import values_documents
from trueup.render.helm_unstable import unstable_fields, unstable_rules, unstable_warnings
from trueup.render.options import Rendered, RenderLimits
from trueup.targets.memory import MemoryTarget


def _input(kind: str, data: dict[str, str], *, key: str = "values.yaml", **more: bool) -> InputData:
    ref = ValuesRef(kind=kind, name="v", key=key, optional=more.get("optional", False))  # type: ignore[arg-type]
    return InputData(ref, "shop", MappingProxyType(data), kind == "Secret", more.get("found", True))


def test_documents_come_in_order_and_only_secret_values_are_masked() -> None:
    documents, masked = values_documents(
        [
            _input("ConfigMap", {"values.yaml": "color: blue\n"}),
            _input(
                "Secret", {"prod.yaml": "db:\n  password: s3cr3t\n  port: 5432\n"}, key="prod.yaml"
            ),
        ],
        RenderLimits(),
    )
    assert documents == ("color: blue\n", "db:\n  password: s3cr3t\n  port: 5432\n")
    assert "s3cr3t" in masked
    assert "5432" in masked
    assert "blue" not in masked


def test_a_missing_key_fails_unless_optional_and_a_missing_optional_object_is_skipped() -> None:
    with pytest.raises(RenderError, match=r"valuesFrom\[0\] \(ConfigMap/shop/v\) has no key"):
        values_documents([_input("ConfigMap", {"other": "a: 1"})], RenderLimits())
    assert values_documents(
        [_input("ConfigMap", {}, optional=True), _input("Secret", {}, found=False, optional=True)],
        RenderLimits(),
    ) == ((), frozenset())


def test_values_that_are_not_a_mapping_are_refused() -> None:
    with pytest.raises(RenderError, match="must hold a YAML mapping"):
        values_documents([_input("ConfigMap", {"values.yaml": "- a\n- b\n"})], RenderLimits())


def test_unstable_fields_name_the_object_and_the_pointer() -> None:
    origin = Origin("charts/kv/templates/secret.yaml")
    secret = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "kv"}}
    first = [({**secret, "data": {"password": "YWJj", "user": "dXNlcg=="}}, origin)]
    second = [({**secret, "data": {"password": "eHl6", "user": "dXNlcg=="}}, origin)]
    (found,) = unstable_fields(first, second)
    assert (found.object, found.pointer) == (ObjectId("", "Secret", "", "kv"), "/data/password")
    assert str(found).startswith("charts/kv/templates/secret.yaml: Secret/kv field /data/password")
    assert unstable_rules([(found.object, found.pointer)]) == (
        IgnoreRule(IgnoreTarget("Secret", "", "kv", None), ("/data/password",)),
    )
    assert unstable_fields(first, first) == ()


def test_the_memory_target_reports_capabilities() -> None:
    version, apis = asyncio.run(MemoryTarget().capabilities())
    assert version.startswith("v1.")
    assert "apps/v1" in apis
    assert "apps/v1/Deployment" in apis


def test_unstable_fields_keep_their_live_values_and_are_reported() -> None:
    origin = Origin("charts/kv/templates/secret.yaml")
    rendered_secret = {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": "kv", "namespace": "shop"},
        "data": {"password": "bmV3", "user": "dXNlcg=="},
    }
    other = {**rendered_secret, "data": {"password": "b3RoZXI=", "user": "dXNlcg=="}}
    unstable = unstable_fields([(rendered_secret, origin)], [(other, origin)])
    oid = object_id(rendered_secret)
    rendered = Rendered(
        (rendered_secret,),
        MappingProxyType({oid: origin}),
        unstable=tuple((field.object, field.pointer) for field in unstable),
    )
    rules = unstable_rules(rendered.unstable)
    assert unstable_warnings(rendered) == (
        "charts/kv/templates/secret.yaml: Secret/shop/kv: fields /data/password change at "
        "every render (random or time-based templates); their live values are kept",
    )

    # A new object: the first render's value is its initial value.
    (fresh,) = ignore_differences((rendered_secret,), {oid: None}, rules)
    assert fresh == rendered_secret

    # An existing object: the live value wins, the stable fields stay as rendered.
    live = {**rendered_secret, "data": {"password": "bGl2ZQ==", "user": "b2xk"}}
    (kept,) = ignore_differences((rendered_secret,), {oid: live}, rules)
    assert kept["data"] == {"password": "bGl2ZQ==", "user": "dXNlcg=="}

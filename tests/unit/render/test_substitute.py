"""Variable substitution in rendered objects: syntax, strict and lenient, opt-outs, types,
limits, and the values taken from Secrets masked in what build and diff print."""

from __future__ import annotations

import base64
import json
from dataclasses import replace
from pathlib import Path
from types import MappingProxyType
from typing import Any

import pytest
import yaml

from trueup.cli.diff_output import diff_entries
from trueup.cli.masked_output import ValueMask
from trueup.engine import SyncReport
from trueup.errors import RenderError
from trueup.masking import MASK
from trueup.objects import ObjectId, Origin
from trueup.render import RenderLimits, RenderOptions, render, render_async
from trueup.render.substitute import Substitution, substitute_text

VARIABLES = MappingProxyType({"APP": "web", "REPLICAS": "3", "EMPTY": "", "ON": "true"})


def lenient(**more: str) -> Substitution:
    return Substitution(MappingProxyType({**VARIABLES, **more}))


def strict(**more: str) -> Substitution:
    return Substitution(MappingProxyType({**VARIABLES, **more}), strict=True)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("${APP}", "web"),
        ("name-${APP}-${REPLICAS}", "name-web-3"),
        ("${APP:=other}", "web"),
        ("${APP:-other}", "web"),
        ("${UNSET:=fallback}", "fallback"),
        ("${UNSET:-fallback value}", "fallback value"),
        ("${EMPTY:-used when empty}", "used when empty"),
        ("${EMPTY:=used when empty}", "used when empty"),
        ("${UNSET:=}", ""),
        ("[${EMPTY}]", "[]"),
        ("$${APP}", "${APP}"),
        ("$${UNSET:=x} and ${APP}", "${UNSET:=x} and web"),
        ("$${a:=${APP}}", "${a:=${APP}}"),
        ("${APP:=${REPLICAS}}", "${APP:=${REPLICAS}}"),
        ("${1}", "${1}"),
        ("$1 and ${2}", "$1 and ${2}"),
        ("${DS_PROMETHEUS-x}", "${DS_PROMETHEUS-x}"),
        ("${ APP}", "${ APP}"),
        ("${}", "${}"),
        ("${APP", "${APP"),
        ("$${APP", "$${APP"),
        ("$APP $$ $", "$APP $$ $"),
        ("a$", "a$"),
        ("${_x9}", ""),
        ("ünïcode ${APP} ✓", "ünïcode web ✓"),
    ],
)
def test_the_substitution_syntax(text: str, expected: str) -> None:
    assert substitute_text(text, lenient(), 1000) == expected


def test_prometheus_and_grafana_placeholders_that_are_no_variable_names_survive_opting_in() -> None:
    rule = 'replacement: "${1}:${2}" regex: "(.+);(.+)" target: $1'
    assert substitute_text(rule, strict(), 1000) == rule


def test_strict_mode_refuses_an_unset_variable_without_default() -> None:
    with pytest.raises(Exception, match="UNSET"):
        substitute_text("x ${UNSET} y", strict(), 1000)
    assert substitute_text("x ${UNSET:=d} y", strict(), 1000) == "x d y"
    assert substitute_text("x ${EMPTY} y", strict(), 1000) == "x  y"


def write(root: Path, name: str, *docs: dict[str, Any] | str) -> None:
    texts = [d if isinstance(d, str) else yaml.safe_dump(d, sort_keys=False) for d in docs]
    (root / name).parent.mkdir(parents=True, exist_ok=True)
    (root / name).write_text("---\n".join(texts))


def deployment(name: str = "web", replicas: str = "${REPLICAS}") -> str:
    return (
        "apiVersion: apps/v1\nkind: Deployment\n"
        f"metadata:\n  name: {name}\n"
        f"spec:\n  replicas: {replicas}\n"
        "  template:\n    spec:\n      containers:\n"
        "      - name: app\n        image: nginx:${TAG:=1.27}\n"
        "        env:\n        - {name: DEBUG, value: '${ON}'}\n"
    )


def test_substituted_text_is_read_again_so_a_number_becomes_a_number(tmp_path: Path) -> None:
    write(tmp_path, "deploy.yaml", deployment())
    rendered = render(tmp_path, ".", RenderOptions(substitution=lenient()))
    (obj,) = rendered.objects
    assert obj["spec"]["replicas"] == 3
    container = obj["spec"]["template"]["spec"]["containers"][0]
    assert container["image"] == "nginx:1.27"
    assert container["env"] == [{"name": "DEBUG", "value": True}]
    assert rendered.origins[ObjectId("apps", "Deployment", "", "web")] == Origin("deploy.yaml", 1)


def test_an_app_that_does_not_opt_in_keeps_every_placeholder(tmp_path: Path) -> None:
    dashboard = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "dashboard"},
        "data": {"d.json": '{"datasource": "${DS_PROMETHEUS}", "expr": "${APP}"}'},
    }
    write(tmp_path, "cm.yaml", dashboard, deployment())
    objects = render(tmp_path, ".", RenderOptions()).objects
    assert objects[0] == dashboard
    assert objects[1]["spec"]["replicas"] == "${REPLICAS}"


def test_strings_without_variables_keep_their_type_through_the_round_trip(tmp_path: Path) -> None:
    # YAML 1.1 words and Go number forms that a careless re-write would turn into values.
    data = {k: k for k in ("y", "n", "on", "0o17", "0x1F", "1e5", "1_000", "~", "2024-01-31")}
    data["multi"] = "line one\nline: two\n"
    data["ref"] = "${APP}"
    manifest = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x"}, "data": data}
    (tmp_path / "cm.yaml").write_text(yaml.safe_dump(manifest, default_style='"'))
    (obj,) = render(tmp_path, ".", RenderOptions(substitution=lenient())).objects
    assert obj["data"] == {**data, "ref": "web"}


def test_lenient_mode_makes_an_unset_variable_empty(tmp_path: Path) -> None:
    write(tmp_path, "deploy.yaml", deployment(replicas="${UNSET}"))
    (obj,) = render(tmp_path, ".", RenderOptions(substitution=lenient())).objects
    assert obj["spec"]["replicas"] is None


def test_strict_mode_names_the_file_the_object_and_the_variable(tmp_path: Path) -> None:
    write(
        tmp_path,
        "apps/all.yaml",
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "first"}},
        deployment(replicas="${MISSING_REPLICAS}"),
    )
    with pytest.raises(RenderError) as caught:
        render(tmp_path, ".", RenderOptions(substitution=strict()))
    message = str(caught.value)
    assert message.startswith("apps/all.yaml:6: Deployment/web: variable MISSING_REPLICAS ")
    assert "spec.substitute" in message


def test_the_annotation_leaves_an_object_alone(tmp_path: Path) -> None:
    rule = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "rules", "annotations": {"trueup.dev/substitute": "disabled"}},
        "data": {"r": "${APP} ${UNSET}"},
    }
    write(tmp_path, "cm.yaml", rule, deployment())
    objects = render(tmp_path, ".", RenderOptions(substitution=strict())).objects
    assert objects[0] == rule
    assert objects[1]["spec"]["replicas"] == 3


def test_a_name_made_of_variables_keeps_its_origin_and_duplicates_are_refused(
    tmp_path: Path,
) -> None:
    write(tmp_path, "a.yaml", deployment(name="${APP}-api"))
    write(tmp_path, "b.yaml", deployment(name="web-${KIND}"))
    rendered = render(tmp_path, ".", RenderOptions(substitution=lenient(KIND="worker")))
    assert dict(rendered.origins) == {
        ObjectId("apps", "Deployment", "", "web-api"): Origin("a.yaml", 1),
        ObjectId("apps", "Deployment", "", "web-worker"): Origin("b.yaml", 1),
    }
    with pytest.raises(RenderError, match=r"b\.yaml:1: .*Deployment/web-api.* a\.yaml:1"):
        render(tmp_path, ".", RenderOptions(substitution=lenient(KIND="api")))


def test_a_value_that_breaks_the_yaml_fails_naming_the_object_without_quoting_it(
    tmp_path: Path,
) -> None:
    manifest = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings}\ndata: {a: '${V}'}\n"
    write(tmp_path, "cm.yaml", manifest)
    broken = "value-one: [unclosed"
    with pytest.raises(RenderError) as caught:
        render(tmp_path, ".", RenderOptions(substitution=lenient(V=broken)))
    assert str(caught.value).startswith("cm.yaml:1: ConfigMap/settings: after substitution")
    assert broken not in str(caught.value)


def test_a_value_cannot_smuggle_in_another_object_or_drop_the_name(tmp_path: Path) -> None:
    write(tmp_path, "cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: '${N}'}\n")
    smuggled = "x\n---\napiVersion: v1\nkind: Secret\nmetadata: {name: evil}"
    with pytest.raises(RenderError, match=r"ConfigMap/\$\{N\}: after substitution"):
        render(tmp_path, ".", RenderOptions(substitution=lenient(N=smuggled)))
    with pytest.raises(RenderError, match=r"metadata\.name"):
        render(tmp_path, ".", RenderOptions(substitution=lenient(N="")))


def test_a_value_repeated_many_times_stops_at_the_render_byte_budget(tmp_path: Path) -> None:
    refs = " ".join(["${BIG}"] * 2000)
    manifest = f"apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: x}}\ndata: {{a: '{refs}'}}\n"
    write(tmp_path, "cm.yaml", manifest)
    limits = RenderLimits(max_total_bytes=1024 * 1024)
    options = RenderOptions(limits=limits, substitution=lenient(BIG="x" * 100_000))
    with pytest.raises(RenderError, match="larger than 1048576 bytes"):
        render(tmp_path, ".", options)
    small = RenderOptions(limits=limits, substitution=lenient(BIG="x" * 100))
    (obj,) = render(tmp_path, ".", small).objects
    assert len(obj["data"]["a"]) == 2000 * 100 + 1999


def test_the_budget_counts_what_every_object_adds(tmp_path: Path) -> None:
    for index in range(5):
        write(
            tmp_path,
            f"cm{index}.yaml",
            "apiVersion: v1\nkind: ConfigMap\n"
            f"metadata: {{name: c{index}}}\ndata: {{a: '${{V}}'}}\n",
        )
    limits = RenderLimits(max_total_bytes=200_000)
    render(tmp_path, ".", RenderOptions(limits=limits, substitution=lenient(V="v" * 30_000)))
    with pytest.raises(RenderError, match="larger than 200000 bytes"):
        render(tmp_path, ".", RenderOptions(limits=limits, substitution=lenient(V="v" * 45_000)))


@pytest.mark.anyio
async def test_substitution_runs_inside_the_render_sandbox(tmp_path: Path) -> None:
    # More files than a render in a thread takes: this one runs in the forked child.
    for index in range(70):
        write(tmp_path, f"m/cm{index:02}.yaml", deployment(name=f"d{index}"))
    rendered = await render_async(tmp_path, ".", RenderOptions(substitution=lenient()))
    assert len(rendered.objects) == 70
    assert {obj["spec"]["replicas"] for obj in rendered.objects} == {3}
    assert rendered.origins[ObjectId("apps", "Deployment", "", "d7")] == Origin("m/cm07.yaml", 1)
    only_on = Substitution(MappingProxyType({"ON": "x"}), strict=True)
    with pytest.raises(RenderError, match=r"m/cm\d\d\.yaml:1: Deployment/d\d+: variable REPLICAS"):
        await render_async(tmp_path, ".", RenderOptions(substitution=only_on))


def test_a_value_in_a_default_is_not_substituted_again() -> None:
    assert substitute_text("${UNSET:=$${APP}}", lenient(), 100) == "${UNSET:=$${APP}}"
    assert substitute_text("${X}", lenient(X="${APP}"), 100) == "${APP}"


CANARY = "canary-7f3e9b21"


def test_build_and_diff_mask_values_taken_from_secrets_in_any_object() -> None:
    hidden = ValueMask([CANARY, "ab"])
    live = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "settings", "namespace": "shop"},
        "data": {"url": f"postgres://app:{CANARY}@db", "short": "ab"},
    }
    desired = {**live, "data": {"url": "postgres://app:other-value@db", "short": "ab"}}
    masked = hidden.strings(live)
    assert masked["data"] == {"url": f"postgres://app:{MASK}@db", "short": "ab"}
    oid = ObjectId("", "ConfigMap", "shop", "settings")
    report = SyncReport(app="web", revision="main@sha1:" + "0" * 40, diffs={oid: (live, desired)})
    (unmasked,) = diff_entries(report)
    assert CANARY in unmasked["diff"]
    (entry,) = diff_entries(replace(report, masked_values=frozenset([CANARY, "ab"])))
    assert CANARY not in repr(entry)
    assert f"-  url: postgres://app:{MASK}@db" in entry["diff"]
    assert "+  url: postgres://app:other-value@db" in entry["diff"]


def test_value_masks_cover_base64_json_escapes_and_each_line() -> None:
    value = 'two "lines"\nsecond line here'
    hidden = ValueMask([value])
    encoded = base64.b64encode(value.encode()).decode()
    assert hidden.text(f"a {encoded} b") == f"a {MASK} b"
    assert hidden.text(json.dumps({"v": value})) == '{"v": "' + MASK + '"}'
    assert hidden.text("data:\n  second line here\n") == f"data:\n  {MASK}\n"

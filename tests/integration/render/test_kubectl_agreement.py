"""trueup reads manifests value for value as kubectl does, with kubectl as the oracle.

Every file of ``fixtures/kubectl/agree`` must give the objects that
``kubectl create --dry-run=client -o json -f`` prints; every file of ``both_refuse`` is
refused by both; every file of ``trueup_refuses`` is accepted by kubectl but refused by
trueup on purpose (kubectl would drop a document silently or keep either of two keys).
The overlay of ``fixtures/kubectl/overlay/prod`` must give what ``kubectl create -k``
gives. Generated documents (Hypothesis) must agree too. kubectl runs once per directory.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.servers.cluster import Kube
from trueup.errors import RenderError
from trueup.render import RenderOptions, render

CORPUS = Path(__file__).parent / "fixtures" / "kubectl"


def _int64_or_float(text: str) -> int | float:
    number = int(text)
    return number if -(2**63) <= number < 2**63 else float(number)


def _parse_stream(text: str) -> list[Any]:
    """kubectl's output: JSON objects one after another (a List when there are several)."""
    decoder = json.JSONDecoder(parse_int=_int64_or_float)
    objects: list[Any] = []
    position = 0
    text = text.strip()
    while position < len(text):
        value, position = decoder.raw_decode(text, position)
        while position < len(text) and text[position].isspace():
            position += 1
        is_list = value.get("kind") == "List" and "metadata" in value and "items" in value
        objects.extend(value["items"] if is_list else [value])
    for obj in objects:
        # kubectl create fills in the context's namespace; trueup does that later, in planning.
        metadata = obj.get("metadata")
        if isinstance(metadata, dict) and metadata.get("namespace") == "default":
            del metadata["namespace"]
    return objects


def kubectl_create(kube: Kube, directory: Path, flag: str = "-f") -> tuple[list[Any], str]:
    """The objects kubectl would create from every file of ``directory``, and its errors.

    With ``flag="-k"``, from the kustomization in ``directory``.
    """
    result = subprocess.run(
        [
            "kubectl",
            f"--kubeconfig={kube.kubeconfig}",
            "create",
            "--dry-run=client",
            "--validate=false",
            "-o",
            "json",
            flag,
            str(directory),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    return _parse_stream(result.stdout), result.stderr


def files(directory: Path) -> list[str]:
    return sorted(os.listdir(directory))


def canonical(value: Any) -> str:
    """A text that tells apart 1 and 1.0 and true and 1, but not key order."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def trueup_objects(directory: Path, name: str) -> list[Any]:
    return list(render(directory, name, RenderOptions()).objects)


def assert_refused_naming_the_line(directory: Path, name: str) -> str:
    with pytest.raises(RenderError) as raised:
        render(directory, name, RenderOptions())
    message = str(raised.value)
    assert re.match(rf"{re.escape(name)}:\d+: ", message), message
    return message


def test_every_accepted_file_gives_the_objects_kubectl_gives(kube: Kube) -> None:
    directory = CORPUS / "agree"
    expected, errors = kubectl_create(kube, directory)
    assert errors == ""
    got: list[Any] = []
    for name in files(directory):
        objects = trueup_objects(directory, name)
        assert objects, f"{name} gave no objects"
        got.extend((name, obj) for obj in objects)
    assert len(got) == len(expected)
    for (name, mine), theirs in zip(got, expected, strict=True):
        assert canonical(mine) == canonical(theirs), name


def test_files_kubectl_refuses_are_refused_naming_file_and_line(kube: Kube) -> None:
    directory = CORPUS / "both_refuse"
    _objects, errors = kubectl_create(kube, directory)
    for name in files(directory):
        if name not in errors:
            # A few of kubectl's errors do not name the file: ask about that file alone.
            objects, alone = kubectl_create(kube, directory / name)
            assert alone, f"kubectl accepted {name}"
            assert not objects, f"kubectl accepted {name}"
        assert_refused_naming_the_line(directory, name)


def test_files_trueup_refuses_on_purpose_are_accepted_by_kubectl(kube: Kube) -> None:
    directory = CORPUS / "trueup_refuses"
    objects, errors = kubectl_create(kube, directory)
    assert errors == ""
    assert objects
    for name in files(directory):
        assert_refused_naming_the_line(directory, name)


def test_an_overlay_gives_the_objects_kubectl_applies_from_it(kube: Kube) -> None:
    root = CORPUS / "overlay"
    expected, errors = kubectl_create(kube, root / "prod", flag="-k")
    assert errors == ""
    got = render(root, "prod", RenderOptions()).objects
    assert sorted(map(canonical, got)) == sorted(map(canonical, expected))


def test_the_unit_tests_value_table_is_what_kubectl_reads(kube: Kube) -> None:
    table = Path(__file__).parents[2] / "unit" / "kubeyaml" / "fixtures" / "values.yaml"
    cases = yaml.safe_load(table.read_text())
    with tempfile.TemporaryDirectory() as folder:
        directory = Path(folder)
        for index, case in enumerate(cases):
            header = f"apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: c{index}}}\n"
            (directory / f"case-{index:03d}.yaml").write_text(f"{header}v: {case['yaml']}\n")
        objects, errors = kubectl_create(kube, directory)
    assert errors == ""
    for case, obj in zip(cases, objects, strict=True):
        assert canonical(obj["v"]) == canonical(json.loads(case["json"])), case["name"]


# Generated documents: YAML 1.1 oddities, tags, quoting, anchors and merge keys, in flow and
# block style.
ODD_SCALARS = [
    "y",
    "Y",
    "n",
    "N",
    "yes",
    "No",
    "ON",
    "off",
    "True",
    "tRUE",
    "~",
    "null",
    "=",
    "0777",
    "0o777",
    "0x1F",
    "0b101",
    "1_000",
    "1:20",
    ".inf",
    "-.Inf",
    ".nan",
    "1e3",
    "1.0",
    "-0",
    "08",
    "+12",
    ".5",
    "1.",
    "12345678901234567890",
    "2001-12-14",
    "<<",
    "a",
    "x_y",
    "-",
    "0",
    "1e400",
    "1e-7",
    "0.1",
    "0o8",
    "-0x1f",
    "9223372036854775808",
    "1_0.5",
    "2001-12-14t21:59:43.10-05:00",
]
TAGS = ("", "", "", "", "!!str ", "!!int ", "!!float ", "!!bool ", "!!null ", "!x ", "!!binary ")

plain = st.one_of(
    st.sampled_from(ODD_SCALARS),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.floats(allow_nan=False, allow_infinity=False).map(repr),
    st.from_regex(r"[a-z0-9_.+-][a-z0-9_.:+-]{0,5}", fullmatch=True),
)
scalar = st.one_of(
    plain,
    plain.map(lambda s: f"'{s}'"),
    plain.map(json.dumps),
    st.tuples(st.sampled_from(TAGS), plain).map("".join),
)
ANCHORED = st.sampled_from(("", "", "", "&a0 ", "&a1 "))
ALIAS = st.sampled_from(("*a0", "*a1"))

value = st.recursive(
    st.one_of(scalar, ALIAS),
    lambda children: st.one_of(
        st.lists(children, max_size=3).map(lambda xs: "[" + ", ".join(xs) + "]"),
        st.lists(st.tuples(scalar, children), max_size=3).map(
            lambda kvs: "{" + ", ".join(f"{k}: {v}" for k, v in kvs) + "}"
        ),
    ),
    max_leaves=8,
)
"""A value in flow style: ``[...]`` and ``{...}``."""

Tree = tuple[str, Any]
"""A value for block style: ("flow", text), ("map", [(key, Tree)]) or ("seq", [Tree])."""

tree: st.SearchStrategy[Tree] = st.recursive(
    st.tuples(st.just("flow"), value),
    lambda children: st.one_of(
        st.tuples(st.just("map"), st.lists(st.tuples(scalar, children), min_size=1, max_size=3)),
        st.tuples(st.just("seq"), st.lists(children, min_size=1, max_size=3)),
    ),
    max_leaves=6,
)


def block(node: Tree, indent: int) -> str:
    """``node`` in block style, ``indent`` spaces in; anchors in front of some collections."""
    kind, content = node
    pad = " " * indent
    lines = []
    for item in content:
        head, child = (f"{pad}{item[0]}:", item[1]) if kind == "map" else (f"{pad}-", item)
        if child[0] == "flow":
            lines.append(f"{head} {child[1]}\n")
        else:
            anchor = "&a0 " if len(lines) == 1 else ""
            lines.append(f"{head} {anchor}\n".replace(" \n", "\n") + block(child, indent + 2))
    return "".join(lines)


HEADER = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: generated\n"
flow_document = st.lists(st.tuples(scalar, value), min_size=1, max_size=5).map(
    lambda kvs: HEADER + "data:\n" + "".join(f"  {k}: {v}\n" for k, v in kvs)
)
block_document = st.lists(st.tuples(scalar, tree), min_size=1, max_size=4).map(
    lambda kvs: HEADER + "data:\n" + block(("map", kvs), 2)
)
document = st.one_of(flow_document, block_document)

REFUSED_ON_PURPOSE = ("both mean", "ends with ':'")
"""Documented refusals: two keys that become one string (kubectl keeps either, at random),
and a flow scalar ending in ':' (go-yaml accepts it, libyaml does not)."""


@settings(max_examples=10)
@given(documents=st.lists(document, min_size=1, max_size=100))
def test_generated_documents_are_read_as_kubectl_reads_them(
    kube: Kube, documents: list[str]
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        directory = Path(folder)
        names = [f"doc-{i:03d}.yaml" for i in range(len(documents))]
        for name, text in zip(names, documents, strict=True):
            (directory / name).write_text(text)
        expected, errors = kubectl_create(kube, directory)
        accepted = [name for name in names if name not in errors]
        assert len(expected) == len(accepted), errors
        theirs = dict(zip(accepted, expected, strict=True))
        for name in names:
            outcome = _trueup_outcome(directory, name)
            if isinstance(outcome, str):
                if name in theirs:
                    assert any(r in outcome for r in REFUSED_ON_PURPOSE), (name, outcome)
                assert outcome.startswith(f"{name}:")
                continue
            assert name in theirs, (name, outcome, errors)
            assert [canonical(o) for o in outcome] == [canonical(theirs[name])], name


def _trueup_outcome(directory: Path, name: str) -> list[Any] | str:
    """trueup's objects for one file, or its error message."""
    try:
        return trueup_objects(directory, name)
    except RenderError as e:
        return str(e)

"""What rendered objects look like: deterministic, JSON-ready, and in the file's key order."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

import trueup.render
from trueup.objects import Origin, object_id
from trueup.render import RenderOptions, render, render_async

FIXTURES = Path(__file__).parent / "fixtures"


def serialized(root: Path, path: str) -> bytes:
    rendered = render(root, path, RenderOptions())
    payload = {"objects": list(rendered.objects), "origins": [str(o) for o in rendered.origins]}
    return json.dumps(payload, ensure_ascii=False).encode()


@pytest.mark.parametrize(
    ("case", "path"), [("recursive_order", "apps"), ("multi_doc", "."), ("lists", ".")]
)
def test_rendering_twice_gives_byte_identical_output(case: str, path: str) -> None:
    root = FIXTURES / case / "repo"
    first = serialized(root, path)
    assert first.startswith(b'{"objects": [{"apiVersion": "v1"')
    assert first == serialized(root, path)


def test_keys_keep_the_order_of_the_file(tmp_path: Path) -> None:
    (tmp_path / "m.yaml").write_text(
        "kind: ConfigMap\nmetadata: {name: x}\napiVersion: v1\ndata: {z: '1', a: '2', m: '3'}\n"
    )
    (obj,) = render(tmp_path, ".", RenderOptions()).objects
    assert list(obj) == ["kind", "metadata", "apiVersion", "data"]
    assert list(obj["data"]) == ["z", "a", "m"]


def test_timestamps_stay_strings_and_yaml_1_1_words_are_booleans_as_in_kubectl(
    tmp_path: Path,
) -> None:
    (tmp_path / "m.yaml").write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n"
        "data: {day: 2024-01-31, at: 2024-01-31T10:00:00Z, n: 3, on: yes}\n"
    )
    (obj,) = render(tmp_path, ".", RenderOptions()).objects
    assert obj["data"] == {
        "day": "2024-01-31",
        "at": "2024-01-31T10:00:00Z",
        "false": 3,
        "true": True,
    }
    json.dumps(obj["data"]["at"])


def test_origins_map_each_object_id_in_object_order() -> None:
    rendered = render(FIXTURES / "multi_doc" / "repo", ".", RenderOptions())
    assert [str(oid) for oid in rendered.origins] == [
        "Namespace/shop",
        "Service/shop/web",
        "Deployment/shop/web",
    ]


@pytest.mark.anyio
async def test_render_async_gives_the_same_result_as_render() -> None:
    root = FIXTURES / "lists" / "repo"
    assert await render_async(root, ".", RenderOptions()) == render(root, ".", RenderOptions())


def test_the_public_api_is_pinned() -> None:
    assert sorted(trueup.render.__all__) == [
        "RenderLimits",
        "RenderOptions",
        "Rendered",
        "render",
        "render_async",
    ]


def test_an_origin_names_the_file_and_the_line_the_object_starts_on() -> None:
    rendered = render(FIXTURES / "multi_doc" / "repo", ".", RenderOptions())
    origins = [rendered.origins[object_id(obj)] for obj in rendered.objects]
    assert origins == [Origin("all.yaml", 3), Origin("all.yaml", 9), Origin("all.yaml", 19)]
    assert str(origins[0]) == "all.yaml:3"
    assert str(Origin("apps/overlay")) == "apps/overlay"


def test_origins_follow_objects_whose_namespace_was_defaulted() -> None:
    rendered = render(FIXTURES / "multi_doc" / "repo", ".", RenderOptions())
    derived = [copy.deepcopy(obj) for obj in rendered.objects]
    for obj in derived:
        obj["metadata"]["namespace"] = "elsewhere"
    origins = rendered.origins_of(derived)
    assert [origins[object_id(obj)] for obj in derived] == list(rendered.origins.values())

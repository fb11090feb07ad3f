"""``render_async`` renders in a forked child held to a memory and a time limit, and gives
back exactly what ``render`` gives, or its error."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from trueup.errors import RenderError
from trueup.render import Rendered, RenderLimits, RenderOptions, render, render_async
from trueup.render.sandbox import run_sandboxed

pytestmark = pytest.mark.anyio

MIB = 1024 * 1024
OBJECT = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: n%d}\ndata: {k: v}\n---\n"


async def test_a_sandboxed_render_gives_the_same_objects_and_origins_as_render(
    tmp_path: Path,
) -> None:
    (tmp_path / "a.yaml").write_text("".join(OBJECT % i for i in range(3)))
    (tmp_path / "b.json").write_text(
        '{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "j"}, "data": {"n": "1"}}'
    )

    sandboxed = await render_async(tmp_path, ".", RenderOptions())

    expected = render(tmp_path, ".", RenderOptions())
    assert sandboxed.objects == expected.objects
    assert dict(sandboxed.origins) == dict(expected.origins)
    assert [list(obj) for obj in sandboxed.objects] == [list(obj) for obj in expected.objects]


async def test_a_render_error_in_the_child_reaches_the_caller_with_its_message(
    tmp_path: Path,
) -> None:
    (tmp_path / "bad.yaml").write_text("apiVersion: v1\nkind: [unclosed\n")

    with pytest.raises(RenderError, match=r"bad.yaml:3: invalid YAML"):
        await render_async(tmp_path, ".", RenderOptions())


@pytest.mark.timeout(120)
async def test_a_render_that_needs_more_memory_than_the_limit_is_stopped(
    tmp_path: Path,
) -> None:
    # Within every size limit, but parsed it takes far more than 8 MiB of memory.
    data = "".join(f"  k{i}: v{i}\n" for i in range(200))
    manifest = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: n%d}\ndata:\n" + data + "---\n"
    (tmp_path / "many.yaml").write_text("".join(manifest % i for i in range(2_000)))
    limits = RenderLimits(max_memory_bytes=8 * MIB)

    # Python's MemoryError, or a C allocation in the parser that fails and kills the child:
    # either way the render stops and the message names the limit and what to do.
    with pytest.raises(
        RenderError,
        match=r"(memory limit of|run out of its) 8388608 bytes.*(raise the limit|render a smaller)",
    ):
        await render_async(tmp_path, ".", RenderOptions(limits=limits))


async def test_an_unexpected_error_in_the_child_is_reported_without_its_message() -> None:
    def broken() -> Rendered:
        raise ValueError("password=canary-value")

    with pytest.raises(RenderError) as caught:
        await run_sandboxed(broken, RenderLimits())

    message = str(caught.value)
    assert "ValueError" in message
    assert "this is a bug in trueup" in message
    assert "canary-value" not in message


async def test_a_render_over_the_time_limit_is_stopped() -> None:
    def endless() -> Rendered:
        while True:
            pass

    with pytest.raises(RenderError, match=r"took longer than 0.5s and was stopped"):
        await run_sandboxed(endless, RenderLimits(timeout_seconds=0.5))


async def test_other_renders_finish_while_one_is_stuck(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(OBJECT % 1)

    def stuck() -> Rendered:
        while True:
            pass

    hostile = asyncio.create_task(run_sandboxed(stuck, RenderLimits(timeout_seconds=120)))
    normal = asyncio.create_task(render_async(tmp_path, ".", RenderOptions()))

    done, _ = await asyncio.wait({hostile, normal}, return_when=asyncio.FIRST_COMPLETED)

    assert done == {normal}
    assert len(normal.result().objects) == 1
    hostile.cancel()
    with pytest.raises(asyncio.CancelledError):
        await hostile


async def test_a_small_plain_tree_is_rendered_in_process_and_reports_what_it_read(
    tmp_path: Path,
) -> None:
    from trueup.render import RenderOptions, render_async

    folder = tmp_path / "apps" / "web"
    folder.mkdir(parents=True)
    (folder / "cm.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n")
    rendered = await render_async(tmp_path, "apps/web", RenderOptions())
    assert [obj["metadata"]["name"] for obj in rendered.objects] == ["a"]
    assert rendered.reads == {"apps/web"}

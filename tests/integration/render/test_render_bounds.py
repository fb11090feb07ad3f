"""A failed kustomize build never shows a Secret value, and the whole render (kubectl
included) is held to the render-wide limits. Through the machine's real ``kubectl``."""

from __future__ import annotations

import asyncio
import base64
import stat
from collections.abc import Callable
from pathlib import Path

import pytest

from trueup.errors import RenderError
from trueup.render import RenderLimits, RenderOptions, render, render_async

pytestmark = pytest.mark.anyio

MIB = 1024 * 1024
CANARY = "canary-kustomize-7d1e0a"
LITERAL = "canary-literal-52c9aa"

SECRET = f"""\
apiVersion: v1
kind: Secret
metadata:
  name: db
stringData:
  password: {CANARY}
"""

# A replacement into a field below a scalar: kustomize fails and quotes the scalar.
QUOTING_KUSTOMIZATION = """\
resources: [secret.yaml]
replacements:
- source: {kind: Secret, name: db, fieldPath: stringData.password}
  targets:
  - select: {kind: Secret, name: db}
    fieldPaths: [stringData.password.nested]
"""


def files(root: Path, contents: dict[str, str]) -> Path:
    for name, text in contents.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def test_a_kustomize_error_quoting_a_secret_value_is_masked(tmp_path: Path) -> None:
    files(
        tmp_path,
        {"base/secret.yaml": SECRET, "app/kustomization.yaml": "resources: [../base]\n"},
    )
    files(tmp_path, {"base/kustomization.yaml": QUOTING_KUSTOMIZATION})

    with pytest.raises(RenderError) as caught:
        render(tmp_path, "app", RenderOptions())

    message = str(caught.value)
    assert "kubectl kustomize failed" in message
    assert "node contents: ********" in message
    assert CANARY not in message


@pytest.mark.parametrize(
    ("source", "extra"),
    [
        (f"literals: [password={LITERAL}]", {}),
        ("envs: [db.env]", {"app/db.env": f"user=app\npassword={LITERAL}\n"}),
        ("files: [password=pw.txt]", {"app/pw.txt": LITERAL}),
    ],
    ids=["literal", "env-file", "file"],
)
def test_a_kustomize_error_quoting_a_generated_secret_value_is_masked(
    tmp_path: Path, source: str, extra: dict[str, str]
) -> None:
    kustomization = f"""\
secretGenerator:
- name: db
  {source}
  options: {{disableNameSuffixHash: true}}
replacements:
- source: {{kind: Secret, name: db, fieldPath: data.password}}
  targets:
  - select: {{kind: Secret, name: db}}
    fieldPaths: [data.password.nested]
"""
    files(tmp_path, {"app/kustomization.yaml": kustomization, **extra})

    with pytest.raises(RenderError) as caught:
        render(tmp_path, "app", RenderOptions())

    message = str(caught.value)
    assert "node contents: ********" in message
    assert LITERAL not in message
    assert base64.b64encode(LITERAL.encode()).decode() not in message


def test_the_files_of_a_kustomization_are_left_to_the_kustomize_output_budget(
    tmp_path: Path,
) -> None:
    files(
        tmp_path,
        {
            "plain.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: plain}\n",
            "base/kustomization.yaml": "resources: [cm.yaml]\n",
            "base/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: built}\n",
        },
    )
    with (tmp_path / "base" / "unused-big.yaml").open("wb") as f:
        f.truncate(2 * MIB)

    rendered = render(tmp_path, ".", RenderOptions(limits=RenderLimits(max_total_bytes=MIB)))

    assert sorted(obj["metadata"]["name"] for obj in rendered.objects) == ["built", "plain"]


@pytest.mark.timeout(60)
async def test_a_hanging_kubectl_is_stopped_with_the_render_at_its_time_limit(
    tmp_path: Path,
) -> None:
    files(tmp_path, {"app/kustomization.yaml": "resources: []\n"})
    pid_file = tmp_path / "kubectl.pid"
    kubectl = tmp_path / "fake-kubectl"
    kubectl.write_text(f'#!/bin/sh\necho $$ > "{pid_file}"\nexec sleep 600\n')
    kubectl.chmod(kubectl.stat().st_mode | stat.S_IXUSR)
    limits = RenderLimits(timeout_seconds=2, kustomize_timeout_seconds=600)

    with pytest.raises(RenderError, match=r"the render took longer than 2s and was stopped"):
        await render_async(tmp_path, "app", RenderOptions(kubectl=str(kubectl), limits=limits))

    pid = int(pid_file.read_text())
    assert not _running(pid), "kubectl outlived the stopped render"


def _running(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as f:
            state = f.read().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):  # gone before or while /proc was read
        return False
    return state != "Z"  # a zombie is dead, waiting for its parent (init) to reap it


@pytest.mark.timeout(60)
async def test_cancelling_a_render_stops_its_child_and_kubectl(tmp_path: Path) -> None:
    files(tmp_path, {"app/kustomization.yaml": "resources: []\n"})
    pid_file = tmp_path / "kubectl.pid"
    kubectl = tmp_path / "fake-kubectl"
    kubectl.write_text(
        f'#!/bin/sh\necho $$ > "{pid_file}.tmp"\nmv "{pid_file}.tmp" "{pid_file}"\nexec sleep 600\n'
    )
    kubectl.chmod(kubectl.stat().st_mode | stat.S_IXUSR)
    task = asyncio.create_task(render_async(tmp_path, "app", RenderOptions(kubectl=str(kubectl))))
    assert await _eventually(pid_file.exists), "kubectl never started"

    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task

    pid = int(pid_file.read_text())
    assert await _eventually(lambda: not _running(pid)), "kubectl outlived the cancelled render"


async def _eventually(condition: Callable[[], bool]) -> bool:
    """Wait (up to 30 s) for ``condition``; cancellation stops the child in the background."""
    for _ in range(600):
        if condition():
            return True
        await asyncio.sleep(0.05)
    return condition()

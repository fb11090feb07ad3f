"""Running trueup's Helm helper: one JSON request in, one JSON result out, within limits.

The helper (``render/go/helm``, Helm's own engine built from its pinned Go module) runs as
an argument list with a clean environment: no inherited variables, ``HOME`` and Helm's
folders inside the render's private work folder, so no plugins, repositories or registry
logins of the machine are seen. Its limits: a wall-clock timeout (the process is killed),
CPU seconds and the size of what it may write (``RLIMIT_CPU``, ``RLIMIT_FSIZE``: its
output goes to a file), and memory (``RLIMIT_DATA``, with ``GOMEMLIMIT`` below it so Go
collects garbage before it reaches the limit).
"""

from __future__ import annotations

import json
import resource
import signal
import subprocess
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from trueup.errors import RenderError

HELPER_PATH = "/usr/local/bin:/usr/bin:/bin"
"""``PATH`` of the helper: Helm runs no program itself (plugins and post-renderers are off)."""


def run_helper(
    binary: str,
    request: Mapping[str, Any],
    work: Path,
    *,
    timeout: float,
    max_memory: int,
    max_output: int,
) -> dict[str, Any]:
    """The helper's result for ``request``; ``RenderError`` when it fails or crosses a limit."""
    env = {
        "PATH": HELPER_PATH,
        "HOME": str(work / "home"),
        "HELM_CACHE_HOME": str(work / "cache"),
        "HELM_CONFIG_HOME": str(work / "config"),
        "HELM_DATA_HOME": str(work / "data"),
        "GOMEMLIMIT": str(max_memory * 3 // 4),
        "GOMAXPROCS": "2",
        "LANG": "C",
    }
    out_path, err_path = work / "result.json", work / "stderr.txt"
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        process = subprocess.Popen(
            [binary],
            stdin=subprocess.PIPE,
            stdout=out,
            stderr=err,
            env=env,
            cwd=work,
            preexec_fn=_limits(timeout, max_memory, max_output),
            start_new_session=True,
        )
        try:
            process.communicate(json.dumps(request).encode(), timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
            raise RenderError(
                f"Helm did not finish rendering the chart within {timeout:g} seconds (a template "
                "that loops?); fix the chart or raise the render time limit"
            ) from None
    return _result(process.returncode, out_path, err_path, (timeout, max_memory, max_output))


def _limits(timeout: float, max_memory: int, max_output: int) -> Callable[[], None]:
    def apply() -> None:  # pragma: no cover  (runs in the child before exec)
        cpu = int(timeout) + 1
        for kind, value in (
            (resource.RLIMIT_CPU, cpu),
            (resource.RLIMIT_DATA, max_memory),
            (resource.RLIMIT_FSIZE, max_output),
            (resource.RLIMIT_CORE, 0),
        ):
            _, hard = resource.getrlimit(kind)
            if hard != resource.RLIM_INFINITY:
                value = min(value, hard)  # a render's sandbox may have lowered it already
            resource.setrlimit(kind, (value, value))

    return apply


def _result(
    code: int, out_path: Path, err_path: Path, limits: tuple[float, int, int]
) -> dict[str, Any]:
    timeout, max_memory, max_output = limits
    if code == -signal.SIGXFSZ:
        raise RenderError(
            f"the chart renders more than {max_output} bytes; make it smaller or raise the "
            "render size limit"
        )
    if code in (-signal.SIGXCPU, -signal.SIGKILL):
        raise RenderError(
            f"Helm used more than {timeout:g} seconds of CPU rendering the chart (a template "
            "that loops?); fix the chart or raise the render time limit"
        )
    with open(err_path, "rb") as err:
        head = err.read(4000).decode("utf-8", "replace")  # Go's fatal errors come first
    stderr = err_path.read_bytes()[-4000:].decode("utf-8", "replace")
    if any("out of memory" in text or "cannot allocate memory" in text for text in (head, stderr)):
        raise RenderError(
            f"Helm ran out of its {max_memory // 2**20} MiB of memory rendering the chart; "
            "make the chart smaller or raise the render memory limit"
        )
    try:
        result = json.loads(out_path.read_bytes())
    except ValueError:
        first = head.strip().splitlines()[:1] or [f"exit status {code}"]
        raise RenderError(f"the Helm helper failed: {first[0]}") from None
    if not isinstance(result, dict):
        raise RenderError("the Helm helper answered something other than a JSON object")
    if code != 0 or result.get("error"):
        raise RenderError(f"Helm could not render the chart: {result.get('error')}")
    return result

"""Building a kustomization with ``kubectl kustomize``, bounded in time and output.

kubectl runs as an argument list (never a shell) with a clean environment: only ``PATH``,
an empty temporary ``HOME`` (so no user configuration or credentials are picked up) and
``LC_ALL=C``. Exec functions, alpha plugins and Helm stay off because their flags are never
passed. Before kubectl runs, every referenced path is checked (see ``kustomize_refs``).
"""

from __future__ import annotations

import contextlib
import os
import re
import selectors
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

from trueup.errors import RenderError
from trueup.masking import Masker
from trueup.objects import Origin
from trueup.render.collect import Collector
from trueup.render.kustomize_refs import check_references
from trueup.render.options import RenderOptions
from trueup.render.paths import relative_name
from trueup.render.secret_scan import secrets_in

_MAX_STDERR = 64 * 1024


def build_kustomization(
    root: Path, directory: Path, shown: str, options: RenderOptions, collector: Collector
) -> None:
    """Check, build and collect the kustomization in ``directory`` (shown as ``shown``).

    kubectl's message on a failed build is masked for the Secret values it may quote.
    """
    referred: set[Path] = set()
    reached = check_references(root, directory, options.limits, referred)
    for path in (*reached, *referred):
        collector.depends_on(relative_name(root, path))
    try:
        output = run_kustomize(root, directory, shown, options, collector.bytes_left)
    except RenderError as e:
        masker = Masker(secrets_in(root, sorted(reached), options.limits))
        raise RenderError(masker(str(e))) from None
    name = f"{shown} (kustomize output)"
    collector.charge_bytes(len(output), name)
    collector.add_yaml(output, name, origin=Origin(shown))


def run_kustomize(
    root: Path, directory: Path, shown: str, options: RenderOptions, max_output: int
) -> bytes:
    """The output of ``kubectl kustomize directory``; ``RenderError`` with kubectl's message."""
    executable = shutil.which(options.kubectl)
    if executable is None:
        raise RenderError(
            f"{shown}: {options.kubectl!r} was not found; install kubectl (it builds "
            "kustomizations) or point the kubectl option at it"
        )
    with tempfile.TemporaryDirectory(prefix="trueup-kustomize-") as home:
        env = {"PATH": os.environ.get("PATH", os.defpath), "HOME": home, "LC_ALL": "C"}
        proc = subprocess.Popen(
            [executable, "kustomize", str(directory)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
            cwd=directory,
            start_new_session=True,  # its own process group, so a kill reaches git too
        )
        try:
            out, err = _drain(proc, shown, options.limits.kustomize_timeout_seconds, max_output)
        finally:
            if proc.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
            for stream in (proc.stdout, proc.stderr):
                if stream is not None:
                    stream.close()
    if proc.returncode != 0:
        message = _trimmed(err.decode("utf-8", "replace").replace(f"{root}/", ""))
        raise RenderError(
            f"{shown}: kubectl kustomize failed (exit {proc.returncode}): {message}; "
            "fix the kustomization"
        )
    return out


def _drain(
    proc: subprocess.Popen[bytes], shown: str, timeout: float, max_output: int
) -> tuple[bytes, bytes]:
    """Read stdout and stderr until both close, within ``timeout`` and ``max_output``."""
    assert proc.stdout is not None
    assert proc.stderr is not None
    out = bytearray()
    err = bytearray()
    deadline = time.monotonic() + timeout
    with selectors.DefaultSelector() as selector:
        selector.register(proc.stdout, selectors.EVENT_READ, out)
        selector.register(proc.stderr, selectors.EVENT_READ, err)
        while selector.get_map():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise RenderError(
                    f"{shown}: kubectl kustomize took longer than {timeout:g}s and was stopped"
                )
            for key, _mask in selector.select(remaining):
                chunk = os.read(key.fd, 65536)
                if not chunk:
                    selector.unregister(key.fileobj)
                elif key.data is out:
                    out += chunk
                    if len(out) > max_output:
                        raise RenderError(
                            f"{shown}: kustomize output exceeds {max_output} bytes, the rest "
                            "of the render's budget; render a smaller path"
                        )
                elif len(err) < _MAX_STDERR:
                    err += chunk
    try:
        proc.wait(timeout=max(0.1, deadline - time.monotonic()))
    except subprocess.TimeoutExpired as e:
        raise RenderError(
            f"{shown}: kubectl kustomize took longer than {timeout:g}s and was stopped"
        ) from e
    return bytes(out), bytes(err)


# kubectl logs through klog: 'E1126 06:50:35.266946 27361 run.go:72] "command failed" err=...'
_KLOG_PREFIX = re.compile(r'^[IWEF]\d{4} [\d:.]+\s+\d+ [\w.]+:\d+\] ("command failed" err=)?', re.M)


def _trimmed(text: str) -> str:
    # Not cut here: a cut could leave half a secret value that masking no longer recognises.
    return " ".join(_KLOG_PREFIX.sub("", text).split()) or "(no message)"

"""Building a kustomization with ``kubectl kustomize``, bounded in time and output.

kubectl runs as an argument list (never a shell) with a clean environment: only ``PATH``,
an empty temporary ``HOME`` (so no user configuration or credentials are picked up, and
where kustomize's own scratch files go, as ``TMPDIR``) and ``LC_ALL=C``. Exec functions
and alpha plugins stay off because their flags are never passed. Before kubectl runs,
every referenced path is checked (see ``kustomize_refs``).

When the App allows remote bases, kubectl fetches the https ones itself with ``git``, at
every render and within the kustomize timeout. git then also gets a few settings in the
environment: https as the only protocol it may use (submodules included), no prompts, no
system or user configuration, and a CA bundle (the system's plus the GitSource's
``ca.crt``, when it has one) for both git and kustomize's own https downloads.

Helm inside kustomize (``helmCharts``) is refused before kubectl runs unless the App sets
``spec.kustomize.enableHelm``. Then kubectl runs with ``--enable-helm --helm-command
<home>/bin/helm``, a symlink to trueup's Helm helper, which answers as Helm's own command
line when it is invoked under the name ``helm``. The build then always runs in a private
copy of the directories it reaches (see ``kustomize_sops``): Helm reads whole chart
directories, which must hold no link out of the repository, and nothing kustomize or
Helm writes lands in the checkout. Helm runs within the kustomize timeout and output bound
(it is a child of kubectl, in its process group).
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import ssl
import subprocess
import tempfile
from pathlib import Path

from trueup.errors import RenderError
from trueup.masking import Masker
from trueup.objects import Origin
from trueup.render.collect import Collector
from trueup.render.decrypt import Decryptor
from trueup.render.kustomize_refs import check_references
from trueup.render.kustomize_sops import build_tree
from trueup.render.options import RenderOptions
from trueup.render.paths import relative_name
from trueup.render.pipes import Bounds, exchange
from trueup.render.secret_scan import secrets_in


def build_kustomization(
    root: Path,
    directory: Path,
    shown: str,
    options: RenderOptions,
    collector: Collector,
    *,
    decryptor: Decryptor,
) -> None:
    """Check, build and collect the kustomization in ``directory`` (shown as ``shown``).

    kubectl's message on a failed build is masked for the Secret values it may quote.
    SOPS-encrypted files the kustomization reads are decrypted by ``decryptor`` into a
    private copy first, and kustomize builds that (see ``render.kustomize_sops``).
    """
    referred: set[Path] = set()
    remotes: list[str] | None = [] if options.allow_remote_bases else None
    charts: list[Path] | None = [] if options.kustomize_helm else None
    reached = check_references(
        root, directory, options.limits, referred, remotes=remotes, charts=charts
    )
    for path in (*reached, *referred):
        collector.depends_on(relative_name(root, path))
    if remotes:
        collector.depends_on(".")  # a remote base may change at any commit: render at each
    try:
        helm = options.kustomize_helm if charts else None
        with build_tree(
            root, directory, reached, referred, decryptor, options.limits, copy=helm is not None
        ) as (build_root, build_directory):
            output = run_kustomize(
                build_root, build_directory, shown, options, collector.bytes_left, helm=helm
            )
    except RenderError as e:
        values = [*secrets_in(root, sorted(reached), options.limits), *decryptor.values]
        raise RenderError(Masker(values)(str(e))) from None
    name = f"{shown} (kustomize output)"
    collector.charge_bytes(len(output), name)
    collector.add_yaml(output, name, origin=Origin(shown))


def run_kustomize(
    root: Path,
    directory: Path,
    shown: str,
    options: RenderOptions,
    max_output: int,
    *,
    helm: str | None = None,
) -> bytes:
    """The output of ``kubectl kustomize directory``; ``RenderError`` with kubectl's message.

    With ``helm`` (the Helm helper), kustomize inflates ``helmCharts`` with it.
    """
    executable = shutil.which(options.kubectl)
    if executable is None:
        raise RenderError(
            f"{shown}: {options.kubectl!r} was not found; install kubectl (it builds "
            "kustomizations) or point the kubectl option at it"
        )
    with tempfile.TemporaryDirectory(prefix="trueup-kustomize-") as home:
        env = {
            "PATH": os.environ.get("PATH", os.defpath),
            "HOME": home,
            "TMPDIR": home,
            "LC_ALL": "C",
        }
        if options.allow_remote_bases:
            env.update(_remote_fetch_env(Path(home), options.remote_ca_cert))
        command = [executable, "kustomize", str(directory)]
        if helm is not None:
            command += ["--enable-helm", "--helm-command", str(helm_command(Path(home), helm))]
        proc = subprocess.Popen(
            command,
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
        text = err.decode("utf-8", "replace").replace(f"{root}/", "").replace(f"{home}/", "")
        message = _trimmed(text)
        raise RenderError(
            f"{shown}: kubectl kustomize failed (exit {proc.returncode}): {message}; "
            "fix the kustomization"
        )
    return out


def helm_command(home: Path, helper: str) -> Path:
    """A ``helm`` command in ``home``: a symlink to the Helm helper, which answers as Helm's
    command line when invoked under that name."""
    command = home / "bin" / "helm"
    command.parent.mkdir(mode=0o700)
    command.symlink_to(helper)
    return command


def _remote_fetch_env(home: Path, ca_cert: str | None) -> dict[str, str]:
    """Environment for kubectl's own fetches of https remote bases (with ``git``).

    The CA bundle is written into the run's private ``home``: the system's certificate
    authorities followed by ``ca_cert``, so a private CA adds to the public ones.
    """
    env = {
        "GIT_ALLOW_PROTOCOL": "https",
        "GIT_TERMINAL_PROMPT": "0",
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_ASKPASS": "true",
        "SSH_ASKPASS": "true",
    }
    if ca_cert:
        system = ssl.get_default_verify_paths()
        bundle = b""
        for candidate in (system.cafile, system.openssl_cafile):
            if candidate and os.path.isfile(candidate):
                bundle = Path(candidate).read_bytes()
                break
        path = home / "ca-bundle.pem"
        path.write_bytes(bundle.rstrip(b"\n") + b"\n" + ca_cert.strip().encode() + b"\n")
        path.chmod(0o600)
        env["GIT_SSL_CAINFO"] = env["SSL_CERT_FILE"] = str(path)
    return env


def _drain(
    proc: subprocess.Popen[bytes], shown: str, timeout: float, max_output: int
) -> tuple[bytes, bytes]:
    """Read stdout and stderr until both close, within ``timeout`` and ``max_output``."""
    bounds = Bounds(
        timeout,
        max_output,
        too_slow=f"{shown}: kubectl kustomize took longer than {timeout:g}s and was stopped",
        too_big=f"{shown}: kustomize output exceeds {max_output} bytes, the rest of the "
        "render's budget; render a smaller path",
    )
    return exchange(proc, b"", bounds)


# kubectl logs through klog: 'E1126 06:50:35.266946 27361 run.go:72] "command failed" err=...'
_KLOG_PREFIX = re.compile(r'^[IWEF]\d{4} [\d:.]+\s+\d+ [\w.]+:\d+\] ("command failed" err=)?', re.M)


def _trimmed(text: str) -> str:
    # Not cut here: a cut could leave half a secret value that masking no longer recognises.
    return " ".join(_KLOG_PREFIX.sub("", text).split()) or "(no message)"

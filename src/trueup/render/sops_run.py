"""Running the real ``sops`` to decrypt one file, over stdin and stdout, bounded.

``sops`` is built from the Go module in ``render/go/sops`` (its ``go.mod`` pins the
version) and cached like the dev-cluster's binaries (see :mod:`trueup.gobuild`). It runs
as an argument list with a clean environment: ``PATH``, an empty private ``HOME`` (no
user configuration, no default key file), ``LC_ALL=C``, and the App's age identities in
``SOPS_AGE_KEY``, so the keys are never written to disk and never on a command line (PGP
keys, which sops reads through ``gpg``, are in a private ``GNUPGHOME`` on the memory file
system, see :mod:`trueup.render.gnupg`). The encrypted bytes go in on stdin and the
plaintext comes back on stdout; nothing of either is written anywhere. ``--config
/dev/null`` keeps sops from reading a ``.sops.yaml``, and ``--decryption-order`` makes it
try age (and PGP) keys first. sops verifies the file's MAC itself and refuses a tampered
file.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import tempfile
from pathlib import Path
from typing import Final

from trueup.errors import RenderError
from trueup.gobuild import Progress, ensure_binary
from trueup.render.pipes import Bounds, exchange
from trueup.render.sops_keys import SopsKeys
from trueup.render.sops_meta import SopsFormat

SOPS_MODULE: Final = Path(__file__).parent / "go" / "sops"
"""The Go module ``sops`` is built from."""
SOPS_PACKAGE: Final = "github.com/getsops/sops/v3/cmd/sops"
SOPS_TIMEOUT_SECONDS: Final = 20.0
"""Wall-clock time one ``sops decrypt`` may take before it is killed."""


def sops_binary(progress: Progress) -> Path:
    """The cached ``sops`` binary, built first if missing (minutes, once)."""
    return ensure_binary(SOPS_MODULE, progress, package=SOPS_PACKAGE)


def run_sops(
    keys: SopsKeys,
    data: bytes,
    form: SopsFormat,
    shown: str,
    max_output: int,
    *,
    gnupg_home: Path | None = None,
) -> tuple[bytes, str]:
    """sops's plaintext of ``data`` (the file ``shown``), or ``b""`` and sops's message.

    With ``gnupg_home`` (a private home holding the App's PGP keys, see
    :mod:`trueup.render.gnupg`) sops may decrypt with PGP too; otherwise with age only.

    Raises ``RenderError`` when sops cannot be run, runs out of time, or writes more than
    ``max_output`` bytes; a refusal by sops itself (wrong key, MAC mismatch) is returned as
    its message for the caller to explain.
    """
    command = [
        keys.sops,
        "--config",
        os.devnull,
        "decrypt",
        "--decryption-order",
        "age" if gnupg_home is None else "age,pgp",
        "--input-type",
        form.value,
        "--output-type",
        form.value,
    ]  # no file: sops reads stdin
    with tempfile.TemporaryDirectory(prefix="trueup-sops-home-") as home:
        env = {
            "PATH": os.environ.get("PATH", os.defpath),
            "HOME": home,
            "LC_ALL": "C",
            "SOPS_AGE_KEY": "\n".join(keys.age_identities),
        }
        if gnupg_home is not None:
            env["GNUPGHOME"] = str(gnupg_home)
        try:
            proc = subprocess.Popen(
                command,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                env=env,
                cwd=home,
                start_new_session=True,
            )
        except OSError as e:
            raise RenderError(
                f"{shown}: sops could not be run ({e.strerror}); build it with `make build`"
            ) from e
        try:
            bounds = Bounds(
                SOPS_TIMEOUT_SECONDS,
                max_output,
                too_slow=f"{shown}: sops took longer than {SOPS_TIMEOUT_SECONDS:g}s and was "
                "stopped",
                too_big=f"{shown}: its plaintext exceeds {max_output} bytes, the rest of the "
                "render's budget; split the file",
            )
            out, err = exchange(proc, data, bounds)
        finally:
            if proc.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
            for stream in (proc.stdin, proc.stdout, proc.stderr):
                if stream is not None:
                    stream.close()
    if proc.returncode != 0:
        return b"", err.decode("utf-8", "replace")
    return out, ""

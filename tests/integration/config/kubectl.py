"""``kubectl create secret ... --dry-run=client``: Secrets exactly as kubectl prints them."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path


def kubectl_secret(tmp_path: Path, *args: str, output: str = "yaml") -> str:
    """What ``kubectl create secret ARGS --dry-run=client -o OUTPUT`` prints.

    A client-side dry run needs no cluster; an empty kubeconfig of its own keeps kubectl
    from reading (or reaching) any other.
    """
    kubectl = shutil.which("kubectl")
    assert kubectl is not None, "kubectl must be installed: its output is what these tests load"
    kubeconfig = tmp_path / "empty-kubeconfig"
    kubeconfig.write_text("apiVersion: v1\nkind: Config\n")
    done = subprocess.run(
        [
            kubectl,
            f"--kubeconfig={kubeconfig}",
            "create",
            "secret",
            *args,
            "--dry-run=client",
            "-o",
            output,
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout

"""The programs a render runs besides kubectl, built ahead of the first render that needs them.

``python -m trueup.render.tools`` builds (or finds cached) the sops binary and the Helm
helper, printing progress; ``make build`` runs it, so that the first sync of a Helm or SOPS
App does not spend minutes building inside its timeout.
"""

from __future__ import annotations

from trueup.gobuild import Progress
from trueup.render.helm import helm_binary
from trueup.render.sops_run import sops_binary


def ensure_tools(progress: Progress) -> None:
    """Build whatever of sops and the Helm helper is not cached yet."""
    progress(f"sops: {sops_binary(progress)}")
    progress(f"Helm helper: {helm_binary(progress)}")


if __name__ == "__main__":  # pragma: no cover - run by make build
    ensure_tools(lambda message: print(f"• {message}", flush=True))

"""``trueup demo``: trueup's main job on the local default, from nothing.

Starts the dev-cluster (building it on first use) and shows how to reach it.
"""

from __future__ import annotations

from trueup.cli.output import out, progress
from trueup.devcluster import DevCluster


def demo() -> None:
    """Start the local dev-cluster and print how to use it."""
    cluster = DevCluster()
    cluster.up(progress)
    kubeconfig = cluster.kubeconfig
    out.print()
    out.print("The dev-cluster is running. Try:")
    out.print(f"  kubectl --kubeconfig {kubeconfig} get nodes", soft_wrap=True)
    out.print("  .venv/bin/trueup dev-cluster status")
    out.print("  .venv/bin/trueup dev-cluster down      # stop it and remove its data")

"""``trueup dev-cluster``: a throwaway Kubernetes control plane on loopback.

Each command loads the cluster machinery (HTTP client, certificates, processes) when it
runs, not when ``trueup`` starts.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

import typer

from trueup.cli.options import duration
from trueup.devcluster.layout import DEFAULT_NODES

app = typer.Typer(
    help="A real Kubernetes control plane on 127.0.0.1 (etcd, API server, controllers, "
    "scheduler and kwok fake nodes), built from Go sources on first use.",
    no_args_is_help=True,
)


@app.command()
def up(
    nodes: Annotated[
        int, typer.Option(min=1, max=50, metavar="N", help="How many fake nodes.")
    ] = DEFAULT_NODES,
    timeout: Annotated[
        timedelta,
        typer.Option(metavar="DURATION", parser=duration, help="How long to wait for Ready nodes."),
    ] = "3m",  # type: ignore[assignment]  # typer parses the default like a given value
) -> None:
    """Build (first time only) and start the dev-cluster; return when its nodes are Ready."""
    from trueup.cli.output import out, progress
    from trueup.devcluster import DevCluster

    cluster = DevCluster()
    cluster.up(progress, nodes=nodes, timeout=timeout.total_seconds())
    out.print(f"kubeconfig: {cluster.kubeconfig}")


@app.command()
def build() -> None:
    """Build (or find in the cache) the control plane's binaries without starting anything."""
    from trueup.cli.output import out, progress
    from trueup.devcluster import ensure_binaries

    binaries = ensure_binaries(progress)
    for path in (binaries.etcd, binaries.kube, binaries.kwok):
        out.print(str(path))


@app.command()
def down() -> None:
    """Stop every dev-cluster process and remove its data."""
    from trueup.cli.output import progress
    from trueup.devcluster import DevCluster

    DevCluster().down(progress)


@app.command()
def status() -> None:
    """Whether the dev-cluster runs, its processes, nodes and memory."""
    from trueup.cli.output import out
    from trueup.devcluster import DevCluster

    state = DevCluster().status()
    if not state.running and not state.processes:
        out.print(state.message)
        raise typer.Exit(1)
    out.print(f"server:     {state.server}")
    out.print(f"kubeconfig: {state.kubeconfig}")
    for process, alive in state.processes:
        out.print(f"  {process.name:<24} pid {process.pid:<8} {'running' if alive else 'DEAD'}")
    out.print(f"ready nodes: {len(state.ready_nodes)} ({', '.join(state.ready_nodes)})")
    out.print(f"resident memory: {state.resident_bytes / 2**20:.0f} MiB")
    if state.message:
        out.print(state.message)
    if not state.running:
        raise typer.Exit(1)


@app.command()
def kubeconfig() -> None:
    """Print the path of the dev-cluster's admin kubeconfig."""
    from trueup.cli.output import out, progress
    from trueup.devcluster import DevCluster

    cluster = DevCluster()
    if not cluster.kubeconfig.exists():
        progress("no dev-cluster is running: start one with 'trueup dev-cluster up'")
        raise typer.Exit(1)
    out.print(str(cluster.kubeconfig))

"""One long-lived Kubernetes target per (kubeconfig, context), shared by every app on it."""

from __future__ import annotations

from trueup.targets.base import Target
from trueup.targets.kubernetes.client import KubernetesTarget


class KubernetesTargets:
    """Opens a target on first use of a (kubeconfig, context) pair and keeps it open.

    ``kubeconfig`` and ``context`` are the defaults for apps that name neither; None means
    the usual lookup (``$KUBECONFIG``, then ``~/.kube/config``) and its current context.
    """

    def __init__(self, kubeconfig: str | None = None, context: str | None = None) -> None:
        self._defaults = (kubeconfig, context)
        self._open: dict[tuple[str | None, str | None], Target] = {}

    def get(self, kubeconfig: str | None = None, context: str | None = None) -> Target:
        """The target for that kubeconfig and context (the defaults where None)."""
        key = (kubeconfig or self._defaults[0], context or self._defaults[1])
        if key not in self._open:
            self._open[key] = KubernetesTarget.from_kubeconfig(key[0], context=key[1])
        return self._open[key]

    async def aclose(self) -> None:
        """Close every connection opened so far."""
        for target in self._open.values():
            await target.aclose()
        self._open.clear()

"""One long-lived Kubernetes target per (kubeconfig, context, user), shared by every app on it."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from pathlib import Path

from trueup.targets.base import Target
from trueup.targets.kubernetes.client import KubernetesTarget
from trueup.targets.kubernetes.connection import SERVICE_ACCOUNT_DIR
from trueup.targets.kubernetes.kubeconfig import find_connection


class KubernetesTargets:
    """Opens a target on first use of a (kubeconfig, context, user) and keeps it open.

    ``kubeconfig`` and ``context`` are the defaults for apps that name neither; None means
    the usual lookup (``$KUBECONFIG``, then ``~/.kube/config``, then the pod's service
    account) and its current context. ``allow_exec`` lets kubeconfigs run exec credential
    plugins. ``write_guard`` is given to every target: called before each write, it refuses
    the write by raising (``trueup serve`` refuses once it no longer leads); ``on_response``
    hears of every answer (method and status code). ``environ``
    and ``service_account_dir`` replace the process's (tests).
    """

    def __init__(
        self,
        kubeconfig: str | None = None,
        context: str | None = None,
        *,
        allow_exec: bool = False,
        environ: Mapping[str, str] | None = None,
        service_account_dir: Path = SERVICE_ACCOUNT_DIR,
        write_guard: Callable[[], None] | None = None,
        on_response: Callable[[str, int], None] | None = None,
    ) -> None:
        self._defaults = (kubeconfig, context)
        self._allow_exec = allow_exec
        self._write_guard = write_guard
        self._on_response = on_response
        self._environ = environ
        self._service_account_dir = service_account_dir
        self._open: dict[tuple[str | None, str | None, str | None], Target] = {}

    def get(
        self,
        kubeconfig: str | None = None,
        context: str | None = None,
        *,
        impersonate: str | None = None,
    ) -> Target:
        """The target for that kubeconfig and context (the defaults where None).

        With ``impersonate`` (a user name such as ``system:serviceaccount:ns:name``), every
        request acts as that user, and the cluster's RBAC decides what it may do.
        """
        key = (kubeconfig or self._defaults[0], context or self._defaults[1], impersonate)
        if key not in self._open:
            connection = find_connection(
                key[0],
                context=key[1],
                allow_exec=self._allow_exec,
                environ=self._environ,
                service_account_dir=self._service_account_dir,
            )
            if impersonate:
                connection = dataclasses.replace(connection, impersonate_user=impersonate)
            self._open[key] = KubernetesTarget(
                connection, write_guard=self._write_guard, on_response=self._on_response
            )
        return self._open[key]

    async def aclose(self) -> None:
        """Close every connection opened so far."""
        for target in self._open.values():
            await target.aclose()
        self._open.clear()

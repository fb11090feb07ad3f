"""Read kubeconfig files into a :class:`ClusterConnection`, the way kubectl does.

Several files (``KUBECONFIG=a:b``) merge by name: the first file defining a cluster, user
or context wins, and the first ``current-context`` wins. Relative paths are relative to
the file that wrote them. Exec credential plugins run only with ``allow_exec=True``
(a kubeconfig is input, and running its commands is the user's choice:
``--allow-exec-credentials`` or ``TRUEUP_ALLOW_EXEC=1``); ``auth-provider``, basic auth
and impersonation are refused with a clear error. :func:`find_connection` falls back to
the pod's service account, as client-go does, when there is no kubeconfig at all.
"""

from __future__ import annotations

import base64
import binascii
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from trueup.errors import ConfigError
from trueup.targets.kubernetes.connection import SERVICE_ACCOUNT_DIR, ClusterConnection
from trueup.targets.kubernetes.exec_credentials import (
    ALLOW_HINT,
    EXEC_API_VERSIONS,
    INTERACTIVE_MODES,
    ExecPlugin,
)

DEFAULT_KUBECONFIG = Path("~/.kube/config")
"""Read when neither a path nor ``KUBECONFIG`` is given."""

_REFUSED_USER_FIELDS = {
    "auth-provider": "auth-provider plugins are not supported; use an exec credential plugin",
    "username": "basic auth is not supported by Kubernetes any more; use a token or certificate",
    "password": "basic auth is not supported by Kubernetes any more; use a token or certificate",
    "as": "impersonation is not supported; use the impersonated user's credentials",
    "as-groups": "impersonation is not supported; use the impersonated user's credentials",
}


@dataclass(frozen=True, slots=True)
class _Named:
    """One cluster, user or context entry and the file that defined it."""

    value: Mapping[str, Any]
    file: Path


def kubeconfig_paths(
    paths: str | os.PathLike[str] | Sequence[str | os.PathLike[str]] | None,
    environ: Mapping[str, str],
) -> list[Path]:
    """The files to read: ``paths`` (a string splits like ``KUBECONFIG``), else the env."""
    if paths is None:
        paths = environ.get("KUBECONFIG") or str(DEFAULT_KUBECONFIG.expanduser())
    if isinstance(paths, str):
        return [Path(p).expanduser() for p in paths.split(os.pathsep) if p]
    if isinstance(paths, os.PathLike):
        return [Path(paths).expanduser()]
    return [Path(p).expanduser() for p in paths]


def _read(file: Path) -> Mapping[str, Any]:
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as error:
        raise ConfigError(f"{file}: cannot read the kubeconfig ({error.strerror})") from error
    try:
        document = yaml.load(text, Loader=yaml.CSafeLoader) or {}
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = f":{mark.line + 1}" if mark is not None else ""
        raise ConfigError(f"{file}{line}: the kubeconfig is not valid YAML") from error
    if not isinstance(document, Mapping):
        raise ConfigError(f"{file}: a kubeconfig must be a mapping")
    return document


def _entries(document: Mapping[str, Any], section: str, item: str, file: Path) -> dict[str, Any]:
    found = {}
    for entry in document.get(section) or []:
        if not isinstance(entry, Mapping) or not isinstance(entry.get(item), Mapping):
            raise ConfigError(f"{file}: every entry of {section} needs a name and a {item} map")
        found[str(entry.get("name", ""))] = entry[item]
    return found


def _data(entry: _Named, key: str, what: str) -> bytes | None:
    value = entry.value.get(key)
    if not value:
        return None
    try:
        return base64.b64decode(str(value), validate=True)
    except (binascii.Error, ValueError) as error:
        raise ConfigError(f"{entry.file}: {what} {key} is not valid base64") from error


def _path(entry: _Named, key: str) -> str | None:
    value = entry.value.get(key)
    if not value:
        return None
    return str(entry.file.parent / Path(str(value)).expanduser())


def _read_file(entry: _Named, key: str) -> bytes | None:
    path = _path(entry, key)
    if path is None:
        return None
    try:
        return Path(path).read_bytes()
    except OSError as error:
        raise ConfigError(f"{entry.file}: cannot read {key} {path} ({error.strerror})") from error


def _exec_plugin(
    user: _Named, user_name: str, allow_exec: bool, cluster: Mapping[str, Any]
) -> ExecPlugin:
    spec = user.value["exec"]
    origin = f"{user.file}: user {user_name!r}"
    if not isinstance(spec, Mapping):
        raise ConfigError(f"{origin}: exec must be a map with a command")
    if not allow_exec:
        raise ConfigError(
            f"{origin} gets its credentials from the exec credential plugin "
            f"{spec.get('command')!r}; trueup runs no command named in a kubeconfig unless "
            f"you allow it: {ALLOW_HINT}"
        )
    if spec.get("apiVersion") not in EXEC_API_VERSIONS:
        raise ConfigError(
            f"{origin}: exec apiVersion must be one of {', '.join(EXEC_API_VERSIONS)}"
        )
    mode = str(spec.get("interactiveMode") or "IfAvailable")
    if mode not in INTERACTIVE_MODES:
        raise ConfigError(
            f"{origin}: exec interactiveMode {mode!r} must be one of {', '.join(INTERACTIVE_MODES)}"
        )
    if mode == "Always":
        raise ConfigError(
            f"{origin}: the exec plugin needs a terminal (interactiveMode: Always), and trueup "
            "runs unattended; use a plugin or mode that works without one (Never, IfAvailable)"
        )
    command = str(spec.get("command") or "")
    if not command:
        raise ConfigError(f"{origin}: exec needs a command")
    if os.sep in command and not os.path.isabs(command):
        # Like kubectl: a relative path with a separator is relative to the kubeconfig.
        command = str(user.file.parent / command)
    return ExecPlugin(
        command=command,
        args=tuple(str(a) for a in spec.get("args") or []),
        env={
            str(e["name"]): str(e.get("value", ""))
            for e in spec.get("env") or []
            if isinstance(e, Mapping) and e.get("name")
        },
        api_version=str(spec["apiVersion"]),
        interactive_mode=mode,
        cluster=cluster if spec.get("provideClusterInfo") else None,
        install_hint=str(spec.get("installHint") or ""),
        origin=origin,
    )


def _cluster_info(cluster: _Named, ca_data: bytes | None) -> dict[str, Any]:
    """``spec.cluster`` of ``KUBERNETES_EXEC_INFO``: the cluster as the plugin should see it."""
    info: dict[str, Any] = {"server": str(cluster.value["server"])}
    if ca_data:
        info["certificate-authority-data"] = base64.b64encode(ca_data).decode("ascii")
    for key in ("tls-server-name", "insecure-skip-tls-verify", "proxy-url"):
        if cluster.value.get(key):
            info[key] = cluster.value[key]
    extensions = {
        str(e.get("name")): e.get("extension")
        for e in cluster.value.get("extensions") or []
        if isinstance(e, Mapping)
    }
    if (config := extensions.get("client.authentication.k8s.io/exec")) is not None:
        info["config"] = config
    return info


def load_kubeconfig(
    paths: str | os.PathLike[str] | Sequence[str | os.PathLike[str]] | None = None,
    *,
    context: str | None = None,
    allow_exec: bool = False,
    environ: Mapping[str, str] | None = None,
) -> ClusterConnection:
    """The connection of ``context`` (default: the current context) in the kubeconfig files.

    ``paths`` is one file, a list, or a ``KUBECONFIG``-style string; None reads
    ``$KUBECONFIG`` or ``~/.kube/config``. Listed files that do not exist are skipped, as
    kubectl does, but at least one must exist.
    """
    files = [f for f in kubeconfig_paths(paths, os.environ if environ is None else environ)]
    existing = [f for f in files if f.is_file()]
    if not existing:
        raise ConfigError(
            f"no kubeconfig found at {os.pathsep.join(map(str, files))}; "
            "set KUBECONFIG or pass the file"
        )
    clusters: dict[str, _Named] = {}
    users: dict[str, _Named] = {}
    contexts: dict[str, _Named] = {}
    current = ""
    for file in existing:
        document = _read(file)
        for target, section, item in (
            (clusters, "clusters", "cluster"),
            (users, "users", "user"),
            (contexts, "contexts", "context"),
        ):
            for name, value in _entries(document, section, item, file).items():
                target.setdefault(name, _Named(value, file))
        current = current or str(document.get("current-context") or "")
    where = os.pathsep.join(map(str, existing))
    name = context or current
    if not name:
        raise ConfigError(f"{where}: no current-context is set; choose a context")
    if name not in contexts:
        known = ", ".join(sorted(contexts)) or "none"
        raise ConfigError(f"{where}: no context {name!r} (known: {known})")
    ctx = contexts[name]
    cluster_name = str(ctx.value.get("cluster") or "")
    user_name = str(ctx.value.get("user") or "")
    if cluster_name not in clusters:
        raise ConfigError(f"{ctx.file}: context {name!r} names an unknown cluster {cluster_name!r}")
    if user_name and user_name not in users:
        raise ConfigError(f"{ctx.file}: context {name!r} names an unknown user {user_name!r}")
    cluster = clusters[cluster_name]
    user = users.get(user_name, _Named({}, ctx.file))
    for key, why in _REFUSED_USER_FIELDS.items():
        if user.value.get(key):
            raise ConfigError(f"{user.file}: user {user_name!r}: {why}")
    if not cluster.value.get("server"):
        raise ConfigError(f"{cluster.file}: cluster {cluster_name!r} has no server")
    ca_data = _data(cluster, "certificate-authority-data", f"cluster {cluster_name!r}") or (
        _read_file(cluster, "certificate-authority")
    )
    exec_plugin = None
    if user.value.get("exec"):
        exec_plugin = _exec_plugin(user, user_name, allow_exec, _cluster_info(cluster, ca_data))
    return ClusterConnection(
        server=str(cluster.value["server"]).rstrip("/"),
        ca_data=ca_data,
        insecure_skip_tls_verify=bool(cluster.value.get("insecure-skip-tls-verify")),
        tls_server_name=cluster.value.get("tls-server-name") or None,
        client_cert_data=_data(user, "client-certificate-data", f"user {user_name!r}"),
        client_cert_file=_path(user, "client-certificate"),
        client_key_data=_data(user, "client-key-data", f"user {user_name!r}"),
        client_key_file=_path(user, "client-key"),
        token=user.value.get("token") or None,
        token_file=_path(user, "tokenFile"),
        exec_plugin=exec_plugin,
        namespace=str(ctx.value.get("namespace") or "default"),
        origin=f"{ctx.file}: context {name!r}",
        context=name,
    )


def find_connection(
    kubeconfig: str | None = None,
    *,
    context: str | None = None,
    allow_exec: bool = False,
    environ: Mapping[str, str] | None = None,
    service_account_dir: Path = SERVICE_ACCOUNT_DIR,
) -> ClusterConnection:
    """The kubeconfig's connection, or the pod's service account when there is no kubeconfig.

    Like client-go, the in-cluster configuration is used only when nothing names a
    kubeconfig or a context (no ``kubeconfig``, no ``$KUBECONFIG``, no ``~/.kube/config``)
    and ``KUBERNETES_SERVICE_HOST``/``PORT`` say trueup runs in a pod.
    """
    environ = os.environ if environ is None else environ
    in_pod = bool(environ.get("KUBERNETES_SERVICE_HOST") and environ.get("KUBERNETES_SERVICE_PORT"))
    if (
        in_pod
        and kubeconfig is None
        and context is None
        and not any(f.is_file() for f in kubeconfig_paths(None, environ))
    ):
        return ClusterConnection.in_cluster(
            environ=environ, service_account_dir=service_account_dir
        )
    return load_kubeconfig(kubeconfig, context=context, allow_exec=allow_exec, environ=environ)

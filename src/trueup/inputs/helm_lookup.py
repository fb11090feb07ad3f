"""The access an App's chart gets for Helm's ``lookup``: its target, as its service account.

``lookup_access`` turns the App's Kubernetes target (the connection trueup built from the
kubeconfig or the pod's service account, impersonating the App's ``serviceAccountName``)
into a ``render.helm_lookup.LookupAccess``, with the credentials resolved now: the current
token of a token file or exec plugin, a client certificate read from its file or returned by
the plugin. The target must impersonate exactly the App's service account; anything else
is refused, so ``lookup`` never reads the cluster with trueup's own rights.
"""

from __future__ import annotations

from pathlib import Path

from trueup.config import App
from trueup.errors import ConfigError
from trueup.render.helm_lookup import LookupAccess
from trueup.targets import Target
from trueup.targets.kubernetes import ClusterConnection, KubernetesTarget
from trueup.targets.kubernetes.exec_credentials import ExecCredentials


async def lookup_access(app: App, target: Target) -> LookupAccess:
    """How ``app``'s chart may ``lookup``: ``target``'s server and credentials, acting as
    the App's service account.

    Raises ``ConfigError`` when the target is not a Kubernetes cluster, does not act as the
    App's service account, or its credentials cannot be read.
    """
    user = app.spec.impersonated_user
    if not isinstance(target, KubernetesTarget):
        raise ConfigError(
            f"{app.id}: spec.helm.lookup reads a Kubernetes cluster, and the App's target is "
            "not one; remove lookup"
        )
    connection = target.connection
    if user is None or connection.impersonate_user != user:
        raise ConfigError(
            f"{app.id}: spec.helm.lookup runs only as the App's service account, and its "
            "target does not act as one; set spec.serviceAccountName"
        )
    token, cert, key = await _credentials(connection)
    return LookupAccess(
        server=connection.server,
        impersonate_user=user,
        ca_data=connection.ca_data,
        client_cert_data=cert,
        client_key_data=key,
        token=token,
        tls_server_name=connection.tls_server_name or "",
        insecure_skip_tls_verify=connection.insecure_skip_tls_verify,
    )


async def _credentials(connection: ClusterConnection) -> tuple[str, bytes | None, bytes | None]:
    """The bearer token ('' for none), client certificate and key the connection uses now."""
    cert = connection.client_cert_data or _read(connection.client_cert_file, connection)
    key = connection.client_key_data or _read(connection.client_key_file, connection)
    source = connection.token_source()
    if isinstance(source, ExecCredentials):
        credential = await source.credential()
        if credential.client_cert:
            cert, key = credential.client_cert, credential.client_key
        return credential.token, cert, key
    return (await source.token() if source is not None else ""), cert, key


def _read(path: str | None, connection: ClusterConnection) -> bytes | None:
    if path is None:
        return None
    try:
        return Path(path).read_bytes()
    except OSError as error:
        raise ConfigError(
            f"{connection.origin or connection.server}: cannot read {path} "
            f"({error.strerror}); check client-certificate and client-key"
        ) from error

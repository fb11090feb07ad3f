"""Turn a ``GitSource`` configuration object and its Secrets into a :class:`GitRepository`.

Secret keys follow Flux's names: ``username``/``password`` or ``bearerToken`` for https,
``identity``/``known_hosts`` for ssh, ``ca.crt`` for a private certificate authority, and
for signature checks every ``*.asc`` key (gpg) or ``allowed_signers`` (ssh).
"""

from __future__ import annotations

from trueup.config import GitSource, LoadedConfig, Secret
from trueup.config.secret import (
    ALLOWED_SIGNERS,
    BEARER_TOKEN,
    GPG_KEY_SUFFIX,
    IDENTITY,
    KNOWN_HOSTS,
    PASSWORD,
    USERNAME,
)
from trueup.errors import ConfigError
from trueup.source.model import GitAuth, GitRepository, SignatureMode, SignaturePolicy

CA_CERT = "ca.crt"


def repository_for(source: GitSource, config: LoadedConfig) -> GitRepository:
    """The fetchable description of ``source``, with credentials from its Secrets."""
    spec = source.spec
    auth: GitAuth | None = None
    ca_cert: str | None = None
    if spec.secret_ref is not None:
        secret = _secret(config, source, spec.secret_ref.name)
        auth = _auth(secret)
        ca_cert = _value(secret, CA_CERT)
    verify: SignaturePolicy | None = None
    if spec.verify is not None:
        secret = _secret(config, source, spec.verify.secret_ref.name)
        verify = _policy(spec.verify.mode, secret)
    return GitRepository(
        url=spec.url,
        ref=spec.ref,
        auth=auth,
        verify=verify,
        ca_cert=ca_cert,
        timeout=spec.timeout.total_seconds(),
    )


def _secret(config: LoadedConfig, source: GitSource, name: str) -> Secret:
    secret = config.secret(source.namespace, name)
    if secret is None:
        raise ConfigError(
            f"GitSource/{source.metadata.name}: Secret/{name} is not in the configuration; "
            "add it or fix spec.secretRef"
        )
    return secret


def _value(secret: Secret, key: str) -> str | None:
    value = secret.get(key)
    return value.get_secret_value() if value is not None else None


def _auth(secret: Secret) -> GitAuth | None:
    token = _value(secret, BEARER_TOKEN)
    if token is not None:
        return GitAuth(token=token)
    identity = _value(secret, IDENTITY)
    if identity is not None:
        return GitAuth(ssh_private_key=identity, ssh_known_hosts=_value(secret, KNOWN_HOSTS))
    username = _value(secret, USERNAME)
    if username is not None:
        return GitAuth(username=username, password=_value(secret, PASSWORD))
    return None


def _policy(mode: str, secret: Secret) -> SignaturePolicy:
    if mode == "gpg":
        keys = tuple(
            value
            for key in sorted(secret.keys())
            if key.endswith(GPG_KEY_SUFFIX) and (value := _value(secret, key)) is not None
        )
        return SignaturePolicy(SignatureMode.GPG, keys)
    signers = _value(secret, ALLOWED_SIGNERS) or ""
    lines = tuple(line for line in signers.splitlines() if line.strip())
    return SignaturePolicy(SignatureMode.SSH, lines)

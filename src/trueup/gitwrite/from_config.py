"""Turn a ``GitSource`` with ``spec.write`` and its Secrets into a :class:`WritableRepository`.

Write credentials come from ``spec.write.secretRef`` only, read the way read credentials
are (same keys: ``username``/``password`` or ``bearerToken``, ``identity``/``known_hosts``),
so the one rule of :func:`trueup.source.from_config.repository_for` applies to both. A
private CA (``ca.crt``) is taken from the write Secret, else from the read Secret: it is
not a credential, and the server is the same. The signing key is ``git.asc`` (gpg) or
``identity`` (ssh) of ``spec.write.signingKey.secretRef``.
"""

from __future__ import annotations

from dataclasses import replace

from trueup.config import GitSource, LoadedConfig
from trueup.config.secret import GPG_SIGNING_KEY, IDENTITY
from trueup.errors import ConfigError
from trueup.gitwrite.model import Author, SigningKey, SigningMode, WritableRepository
from trueup.source.from_config import CA_CERT, repository_for


def writable_repository_for(source: GitSource, config: LoadedConfig) -> WritableRepository:
    """How to push to ``source``; :class:`ConfigError` when it has no ``spec.write``."""
    spec = source.spec
    write = spec.write
    if write is None:
        raise ConfigError(
            f"GitSource/{source.metadata.name} has no spec.write, so trueup may not push to it; "
            "add spec.write with write credentials in spec.write.secretRef"
        )
    # The read side's rules, with the write Secret in place of the read one.
    as_writer = source.model_copy(
        update={"spec": spec.model_copy(update={"secret_ref": write.secret_ref, "verify": None})}
    )
    repository = repository_for(as_writer, config)
    if repository.ca_cert is None and spec.secret_ref is not None:
        reader = config.secret(source.namespace, spec.secret_ref.name)
        ca_cert = reader.get(CA_CERT) if reader is not None else None
        if ca_cert is not None:
            repository = replace(repository, ca_cert=ca_cert.get_secret_value())
    signing: SigningKey | None = None
    if write.signing_key is not None:
        mode = SigningMode(write.signing_key.mode)
        key_name = GPG_SIGNING_KEY if mode is SigningMode.GPG else IDENTITY
        secret_name = write.signing_key.secret_ref.name
        secret = config.secret(source.namespace, secret_name)
        value = secret.get(key_name) if secret is not None else None
        if value is None:
            raise ConfigError(
                f"GitSource/{source.metadata.name}: Secret/{secret_name} has no key {key_name}; "
                "add the signing key or fix spec.write.signingKey.secretRef"
            )
        signing = SigningKey(mode, value.get_secret_value())
    return WritableRepository(
        repository=repository,
        author=Author(write.author.name, write.author.email),
        signing=signing,
        retries=write.retries,
    )

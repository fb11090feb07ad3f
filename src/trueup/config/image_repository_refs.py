"""Checks across objects for ImageRepositories: their Secrets exist and hold usable keys.

Like the other reference checks, an ImageRepository that fails one is dropped with an
issue naming the field, so the daemon scans only repositories that can work.
"""

from __future__ import annotations

from trueup.config.docker_config import DOCKER_CONFIG_KEY, DockerConfigError, parse_docker_config
from trueup.config.image_repository import CA_KEY, ImageRepository
from trueup.config.references import Declared, _missing
from trueup.config.secret import DOCKER_CONFIG_JSON, OPAQUE, Secret


def check_image_repositories(declared: Declared) -> None:
    """Drop ImageRepositories whose Secrets are missing or lack a usable key."""
    for key in declared.of_kind("ImageRepository"):
        repo = declared.valid[key][0]
        assert isinstance(repo, ImageRepository)
        spec, namespace = repo.spec, repo.namespace
        for field_name, ref, wanted, types in (
            ("secretRef", spec.secret_ref, DOCKER_CONFIG_KEY, (OPAQUE, DOCKER_CONFIG_JSON)),
            ("certSecretRef", spec.cert_secret_ref, CA_KEY, (OPAQUE,)),
        ):
            if ref is None:
                continue
            problem = _missing("Secret", namespace, ref.name, declared, secret_types=types)
            if problem is None:
                secret = declared.valid[("Secret", namespace, ref.name)][0]
                assert isinstance(secret, Secret)
                problem = _key_problem(secret, wanted)
            if problem is not None:
                declared.issue(key, ("spec", field_name, "name"), *problem)
                break


def _key_problem(secret: Secret, wanted: str) -> tuple[str, str] | None:
    name, value = secret.metadata.name, secret.get(wanted)
    if value is None:
        what = "a docker config.json" if wanted == DOCKER_CONFIG_KEY else "the PEM CA certificate"
        return f"Secret '{name}' has no key {wanted}", f"add {what} under {wanted}"
    if wanted == DOCKER_CONFIG_KEY:
        try:
            parse_docker_config(value.get_secret_value())
        except DockerConfigError as e:
            return (
                f"the {wanted} of Secret '{name}' cannot be read: {e}",
                "write it as docker login does",
            )
    elif "-----BEGIN CERTIFICATE-----" not in value.get_secret_value():
        return f"the {wanted} of Secret '{name}' is not a PEM certificate", "paste the PEM text"
    return None

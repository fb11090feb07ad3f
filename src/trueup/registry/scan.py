"""One scan of an ImageRepository: its tags, less the excluded ones, and digests asked for.

:func:`scan_repository` is what the daemon's scanner and ``trueup images --scan`` call;
:func:`registry_access` reads the credentials and CA an ImageRepository's Secrets hold.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType

import httpx

from trueup.config.docker_config import DOCKER_CONFIG_KEY, DockerConfig, parse_docker_config
from trueup.config.image_repository import CA_KEY, ImageRepository
from trueup.config.issues import LoadedConfig
from trueup.errors import RegistryError
from trueup.images import FilterError, Pattern, compile_pattern
from trueup.registry.manifests import tag_digest
from trueup.registry.session import RegistrySession
from trueup.registry.tags import ListLimits, list_tags


@dataclass(frozen=True, slots=True)
class RegistryAccess:
    """What reaching a registry takes besides the image: credentials and a CA."""

    credentials: DockerConfig | None = None
    ca_pem: str | None = field(default=None, repr=False)


@dataclass(frozen=True, slots=True)
class TagScan:
    """The outcome of a good scan.

    ``tags`` are sorted, each once, without malformed and excluded ones; ``digests``
    maps the tags whose digest was asked for to it.
    """

    image: str
    tags: tuple[str, ...]
    digests: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    malformed: int = 0
    excluded: int = 0
    pages: int = 0
    requests: int = 0


def registry_access(config: LoadedConfig, repo: ImageRepository) -> RegistryAccess:
    """The credentials and CA ``repo``'s ``secretRef`` and ``certSecretRef`` hold.

    The loader checked that the Secrets exist and can be read.
    """
    credentials = ca_pem = None
    if repo.spec.secret_ref is not None:
        secret = config.secret(repo.namespace, repo.spec.secret_ref.name)
        value = secret.get(DOCKER_CONFIG_KEY) if secret is not None else None
        if value is not None:
            credentials = parse_docker_config(value.get_secret_value())
    if repo.spec.cert_secret_ref is not None:
        secret = config.secret(repo.namespace, repo.spec.cert_secret_ref.name)
        value = secret.get(CA_KEY) if secret is not None else None
        ca_pem = value.get_secret_value() if value is not None else None
    return RegistryAccess(credentials, ca_pem)


def excluded_by(patterns: Iterable[str]) -> Pattern | None:
    """One RE2 pattern matching what any of ``patterns`` matches (searched), or ``None``."""
    joined = "|".join(f"(?:{p})" for p in patterns)
    try:
        return compile_pattern(joined) if joined else None
    except FilterError as e:  # each was checked when the configuration was read
        raise RegistryError(f"exclusionList: {e}") from None


async def scan_repository(
    repo: ImageRepository,
    access: RegistryAccess,
    *,
    digests_of: Iterable[str] = (),
    digests_for: Callable[[Sequence[str]], Iterable[str]] | None = None,
    limits: ListLimits | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
) -> TagScan:
    """List the tags of ``repo`` and the digests of the tags in ``digests_of`` that exist,
    and of those ``digests_for`` names given the tags found (the tags image policies that
    pin digests select).

    Raises ``RegistryError`` (permanent) or ``RegistryUnavailableError`` (temporary).
    """
    image = repo.spec.image_name
    async with RegistrySession(
        image,
        credentials=access.credentials,
        ca_pem=access.ca_pem,
        insecure=repo.spec.insecure,
        timeout=repo.spec.timeout.total_seconds(),
        transport=transport,
    ) as session:
        listed = await list_tags(session, image.repository, limits)
        exclusion = excluded_by(repo.spec.exclusion_list)
        kept = [t for t in listed.tags if exclusion is None or not exclusion.search(t)]
        present = set(kept)
        wanted = [*digests_of, *(digests_for(kept) if digests_for is not None else ())]
        digests = {
            tag: await tag_digest(session, image.repository, tag)
            for tag in dict.fromkeys(wanted)
            if tag in present
        }
        return TagScan(
            image=str(image),
            tags=tuple(sorted(kept)),
            digests=MappingProxyType(digests),
            malformed=listed.malformed,
            excluded=len(listed.tags) - len(kept),
            pages=listed.pages,
            requests=session.requests,
        )

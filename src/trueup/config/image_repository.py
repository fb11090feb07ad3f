"""``ImageRepository``: a container image whose tags trueup scans on an interval.

::

    kind: ImageRepository
    metadata: {name: app}
    spec:
      image: registry.example.test/org/app     # no tag, no digest
      interval: 5m
      secretRef: {name: regcred}               # key .dockerconfigjson: a docker config.json
      certSecretRef: {name: registry-ca}       # key ca.crt: the CA that signed the registry
      exclusionList: ['^.*\\.sig$']            # regular expressions; matching tags are dropped
      provider: generic                        # aws, gcp and azure are not supported yet
      timeout: 30s                             # per request to the registry
      insecure: false                          # plain http: only for a registry on loopback

The loader checks that the Secrets exist and hold what is needed
(:mod:`trueup.config.image_repository_refs`).
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated, Final, Literal, Self

from pydantic import AfterValidator, BeforeValidator, Field, model_validator
from pydantic_core import PydanticCustomError

from trueup.config.duration import PositiveDuration
from trueup.config.meta import API_VERSION, ConfigModel, ConfigObject, SecretRef
from trueup.images import FilterError, compile_pattern

CA_KEY: Final = "ca.crt"
"""Key of the PEM CA certificate(s) in the Secret a ``certSecretRef`` names."""

DOCKER_HUB: Final = "docker.io"
"""The registry an image without a host (``nginx``, ``org/app``) is pulled from."""

_HOST = re.compile(
    r"(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9-]+)*|\[[0-9a-fA-F:.]+\])"
    r"(?::[0-9]{1,5})?"
)
_PATH_COMPONENT = re.compile(r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*")
_IMAGE_HINT: Final = (
    "write the image as host[:port]/path/name without a tag or digest, "
    "such as registry.example.test/org/app"
)


@dataclass(frozen=True, slots=True)
class ImageName:
    """An image without tag: the registry ``host`` (``host[:port]``) and ``repository``."""

    host: str
    repository: str

    def __str__(self) -> str:
        return f"{self.host}/{self.repository}"

    @property
    def api_host(self) -> str:
        """Where the registry API answers (Docker Hub's API is not at ``docker.io``)."""
        return "registry-1.docker.io" if self.host == DOCKER_HUB else self.host

    @property
    def loopback(self) -> bool:
        """The registry runs on this machine (``localhost``, ``127.0.0.0/8``, ``::1``)."""
        return is_loopback(self.host)


def is_loopback(host: str) -> bool:
    """Whether ``host[:port]`` names this machine (``localhost``, ``127.0.0.0/8``, ``[::1]``)."""
    name = host[1:].split("]", 1)[0] if host.startswith("[") else host.rsplit(":", 1)[0]
    if name.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def parse_image(text: str) -> ImageName:
    """``text`` as an :class:`ImageName`; ``ValueError`` saying what is wrong otherwise."""
    if not text or text != text.strip() or len(text) > 255:
        raise ValueError("the image is empty, too long or surrounded by spaces")
    if "@" in text:
        raise ValueError("the image names a digest")
    first, slash, rest = text.partition("/")
    if slash and ("." in first or ":" in first or first == "localhost"):
        host, path = first.lower(), rest
        if not _HOST.fullmatch(first):
            raise ValueError(f"'{first[:80]}' is not a registry host")
    else:
        host, path = DOCKER_HUB, text
        if "/" not in path:
            path = f"library/{path}"
    if ":" in path:
        raise ValueError("the image names a tag")
    if not all(_PATH_COMPONENT.fullmatch(part) for part in path.split("/")):
        raise ValueError(
            f"'{path[:80]}' is not a repository path (lower-case letters, digits, '.', '_', '-')"
        )
    return ImageName(host, path)


def _image(value: str) -> str:
    try:
        parse_image(value)
    except ValueError as e:
        raise PydanticCustomError(
            "image_name", "{reason}", {"reason": str(e), "hint": _IMAGE_HINT}
        ) from None
    return value


def _pattern(value: str) -> str:
    try:
        compile_pattern(value)
    except FilterError as e:
        raise PydanticCustomError(
            "image_exclusion",
            "'{value}': {reason}",
            {"value": value[:80], "reason": str(e), "hint": "fix the pattern (RE2 syntax)"},
        ) from None
    return value


def _provider(value: object) -> object:
    if value in ("aws", "gcp", "azure"):
        raise PydanticCustomError(
            "image_provider",
            "provider '{value}' is not supported yet",
            {"value": str(value), "hint": "use provider: generic with a secretRef"},
        )
    if value != "generic":
        raise PydanticCustomError(
            "image_provider",
            "'{value}' is not a provider",
            {"value": str(value)[:80], "hint": "use generic"},
        )
    return value


DEFAULT_EXCLUSIONS: Final = ("^.*\\.sig$",)
"""Tags dropped when ``exclusionList`` is not given: cosign signatures, never images to run."""


class ImageRepositorySpec(ConfigModel):
    """``spec`` of an ``ImageRepository``."""

    image: Annotated[str, AfterValidator(_image)]
    """The image without tag, ``host[:port]/path/name`` (Docker Hub when there is no host)."""
    interval: PositiveDuration = timedelta(minutes=5)
    """How often the tags are read."""
    timeout: PositiveDuration = timedelta(seconds=30)
    """How long one request to the registry may take."""
    secret_ref: SecretRef | None = None
    """A Secret whose key ``.dockerconfigjson`` holds a docker ``config.json``; of type
    ``Opaque`` or ``kubernetes.io/dockerconfigjson``."""
    cert_secret_ref: SecretRef | None = None
    """A Secret whose key ``ca.crt`` holds the PEM CA that signed the registry's certificate."""
    exclusion_list: tuple[Annotated[str, AfterValidator(_pattern)], ...] = Field(
        default=DEFAULT_EXCLUSIONS, max_length=100
    )
    """RE2 regular expressions (linear time, as in Flux); a tag any of them matches
    anywhere is left out."""
    provider: Annotated[Literal["generic"], BeforeValidator(_provider)] = "generic"
    """Where credentials come from: ``generic`` (``secretRef``) only, for now."""
    insecure: bool = False
    """Talk plain http to the registry; allowed only for a registry on loopback."""

    @model_validator(mode="after")
    def _plain_http_only_on_loopback(self) -> Self:
        if self.insecure and not self.image_name.loopback:
            raise PydanticCustomError(
                "image_insecure",
                "plain http is allowed only for a registry on loopback",
                {"hint": "remove insecure: the registry must speak https"},
            )
        if self.insecure and self.cert_secret_ref is not None:
            raise PydanticCustomError(
                "image_insecure_ca",
                "certSecretRef has no use with insecure: true (plain http)",
                {"hint": "remove one of them"},
            )
        return self

    @property
    def image_name(self) -> ImageName:
        """``image`` parsed (valid: the validator checked it)."""
        return parse_image(self.image)


class ImageRepository(ConfigObject):
    """An image whose tags the daemon scans every ``interval`` and keeps in the store."""

    api_version: Literal["trueup.dev/v1alpha1"] = API_VERSION
    kind: Literal["ImageRepository"] = "ImageRepository"
    spec: ImageRepositorySpec

    @property
    def key(self) -> str:
        """The repository as the store and the API name it: ``name`` or ``namespace/name``."""
        return f"{self.namespace}/{self.metadata.name}" if self.namespace else self.metadata.name

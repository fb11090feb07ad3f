"""``Secret``: credentials in the configuration, in the shape of a Kubernetes ``v1`` Secret.

Values are ``SecretStr`` from the moment they are parsed, so no repr, log line or error
message can show them; errors name the key, never the value.
"""

from __future__ import annotations

import base64
import binascii
import re
from typing import Final, Literal, Self

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_core import PydanticCustomError

from trueup.config.docker_config import DOCKER_CONFIG_KEY
from trueup.config.meta import ConfigObject

USERNAME: Final = "username"
"""Key of the user name for HTTPS Git access (with ``password``)."""
PASSWORD: Final = "password"  # noqa: S105 - a key name, not a secret
"""Key of the password or token for HTTPS Git access (with ``username``)."""
BEARER_TOKEN: Final = "bearerToken"  # noqa: S105 - a key name
"""Key of a bearer token for HTTPS Git access."""
IDENTITY: Final = "identity"
"""Key of the SSH private key for SSH Git access."""
KNOWN_HOSTS: Final = "known_hosts"
"""Key of the ``known_hosts`` lines that SSH Git access trusts."""
ALLOWED_SIGNERS: Final = "allowed_signers"
"""Key of the SSH ``allowed_signers`` file for ``verify.mode: ssh``."""
GPG_KEY_SUFFIX: Final = ".asc"
"""Keys ending in this hold armoured GPG public keys for ``verify.mode: gpg``."""
GPG_SIGNING_KEY: Final = "git.asc"
"""Key of the armoured GPG secret key for ``write.signingKey.mode: gpg`` (``identity`` for ssh)."""

OPAQUE: Final = "Opaque"
"""The type of a Secret whose keys are whatever its use reads (the default)."""
DOCKER_CONFIG_JSON: Final = "kubernetes.io/dockerconfigjson"
"""The type Kubernetes gives registry credentials: a docker ``config.json`` under
``.dockerconfigjson``. Accepted only where registry credentials are read."""
BASIC_AUTH: Final = "kubernetes.io/basic-auth"
"""The type Kubernetes gives a user name and password (keys ``username`` and ``password``).
Accepted only where https Git credentials are read."""
SECRET_TYPES: Final = (OPAQUE, DOCKER_CONFIG_JSON, BASIC_AUTH)
"""The types a Secret may have; each reference says which of them it reads."""
READ_FOR: Final = {
    DOCKER_CONFIG_JSON: "registry credentials (an ImageRepository's spec.secretRef)",
    BASIC_AUTH: "https Git credentials (a GitSource's spec.secretRef or spec.write.secretRef "
    "with an https URL)",
}
"""Where a Secret of a type other than :data:`OPAQUE` is read, for messages."""

_KEY = re.compile(r"[-._a-zA-Z0-9]+")


def _bad_key(key: str) -> PydanticCustomError:
    return PydanticCustomError(
        "secret_key",
        "'{key}' is not a valid key",
        {"key": key[:80], "hint": "use letters, digits, '-', '_' and '.'"},
    )


class Secret(ConfigObject):
    """Credentials referenced by ``secretRef``; ``stringData`` wins over ``data`` per key."""

    api_version: Literal["v1"] = "v1"
    kind: Literal["Secret"] = "Secret"
    type: str = OPAQUE
    """One of :data:`SECRET_TYPES`; trueup reads credentials by key name. Where a Secret
    is referenced, only :data:`OPAQUE` is read unless the reference says otherwise (the
    check of references in :mod:`trueup.config.references`)."""
    data: dict[str, SecretStr] = Field(default_factory=dict)
    """Values given base64-encoded, kept decoded."""
    string_data: dict[str, SecretStr] = Field(default_factory=dict)

    @field_validator("data", mode="before")
    @classmethod
    def _decode_base64(cls, value: object) -> object:
        if not isinstance(value, dict):
            return value  # the dict validator reports the wrong type
        decoded: dict[object, object] = {}
        for key, encoded in value.items():
            if not isinstance(key, str) or not _KEY.fullmatch(key):
                raise _bad_key(str(key))
            if not isinstance(encoded, str):
                decoded[key] = encoded  # the value validator reports the wrong type
                continue
            try:
                decoded[key] = base64.b64decode(encoded, validate=True).decode("utf-8")
            except (binascii.Error, UnicodeDecodeError):
                raise PydanticCustomError(
                    "secret_base64",
                    "the value of '{key}' is not base64-encoded UTF-8 text",
                    {"key": key, "hint": "encode it with base64, or move it to stringData"},
                ) from None
        return decoded

    @field_validator("type")
    @classmethod
    def _known_type(cls, value: str) -> str:
        # Other types (kubernetes.io/ssh-auth, /tls) promise keys that trueup does not read
        # (ssh-privatekey, tls.crt): refuse them rather than accept a promise nothing keeps.
        if value not in SECRET_TYPES:
            raise PydanticCustomError(
                "secret_type",
                "'{type}' is not supported: trueup reads credentials by key name",
                {
                    "type": value[:80],
                    "hint": f"leave type out or write {OPAQUE}, and use the keys username and "
                    "password, bearerToken, or identity and known_hosts; for registry "
                    f"credentials {DOCKER_CONFIG_JSON} is accepted too, for https Git "
                    f"credentials {BASIC_AUTH}",
                },
            )
        return value

    @model_validator(mode="after")
    def _type_keys(self) -> Self:
        # What Kubernetes checks too: the type's keys are there.
        problem = self._basic_auth_problem() if self.type == BASIC_AUTH else None
        if problem is not None:
            raise PydanticCustomError(
                "secret_type_keys",
                "a Secret of type {type} {problem}",
                {
                    "type": BASIC_AUTH,
                    "problem": problem,
                    "hint": f"give it the keys {USERNAME} and {PASSWORD} (and ca.crt if the "
                    f"server needs one); for {BEARER_TOKEN}, or {IDENTITY} and {KNOWN_HOSTS}, "
                    f"write type {OPAQUE}",
                },
            )
        if self.type == DOCKER_CONFIG_JSON and self.get(DOCKER_CONFIG_KEY) is None:
            raise PydanticCustomError(
                "secret_type_keys",
                "a Secret of type {type} must hold the key {key}",
                {
                    "type": DOCKER_CONFIG_JSON,
                    "key": DOCKER_CONFIG_KEY,
                    "hint": f"add the docker config.json under {DOCKER_CONFIG_KEY}, "
                    f"or write type {OPAQUE}",
                },
            )
        return self

    def _basic_auth_problem(self) -> str | None:
        # Kubernetes wants one of username and password; trueup sends both. Another
        # credential next to them would win over them (bearerToken) or be meant for ssh:
        # the type would no longer say what is sent.
        absent = [k for k in (USERNAME, PASSWORD) if k not in self.keys()]
        if absent:
            return f"must hold {' and '.join(absent)}"
        other = sorted(self.keys() & {BEARER_TOKEN, IDENTITY, KNOWN_HOSTS})
        if other:
            return f"holds {' and '.join(other)}, which is not basic authentication"
        return None

    @field_validator("string_data", mode="before")
    @classmethod
    def _check_keys(cls, value: object) -> object:
        if isinstance(value, dict):
            for key in value:
                if not isinstance(key, str) or not _KEY.fullmatch(key):
                    raise _bad_key(str(key))
        return value

    def keys(self) -> frozenset[str]:
        """Every key the Secret holds."""
        return frozenset(self.data) | frozenset(self.string_data)

    def get(self, key: str) -> SecretStr | None:
        """The value of ``key`` (``stringData`` first, as Kubernetes merges them), or ``None``."""
        return self.string_data.get(key) or self.data.get(key)

"""``Secret``: credentials in the configuration, in the shape of a Kubernetes ``v1`` Secret.

Values are ``SecretStr`` from the moment they are parsed, so no repr, log line or error
message can show them; errors name the key, never the value.
"""

from __future__ import annotations

import base64
import binascii
import re
from typing import Final, Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_core import PydanticCustomError

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
    type: str = "Opaque"
    """Only ``Opaque``: trueup reads credentials by key name, whatever the type would say."""
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
    def _opaque(cls, value: str) -> str:
        # Other types (kubernetes.io/basic-auth, /ssh-auth) promise keys that trueup does not
        # read (ssh-privatekey): refuse them rather than accept a promise nothing keeps.
        if value != "Opaque":
            raise PydanticCustomError(
                "secret_type",
                "'{type}' is not supported: trueup reads credentials by key name",
                {
                    "type": value[:80],
                    "hint": "leave type out or write Opaque, and use the keys username and "
                    "password, bearerToken, or identity and known_hosts",
                },
            )
        return value

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

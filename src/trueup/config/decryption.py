"""``spec.decryption`` of an App: SOPS files decrypted during render with age keys from a Secret.

The App names a ``Secret`` of the configuration (in its own namespace) in
``spec.decryption.secretRef``; every key of that Secret ending in ``.agekey`` holds one or
more age identities (``AGE-SECRET-KEY-1…`` lines, as ``age-keygen`` writes them; comments
and blank lines are allowed), and every key ending in ``.asc`` an armoured PGP private key
(``gpg --armor --export-secret-keys``, without a passphrase). The loader checks that the
Secret exists, holds at least one such key, that every identity is valid and every
``.asc`` key holds a private key (a public key cannot decrypt).

An identity is a Bech32-encoded X25519 private key; its recipient (``age1…``) is the
Bech32 encoding of the matching public key. trueup derives the recipients itself so that
it can tell, before ``sops`` runs, whether it holds a key for a file at all.
"""

from __future__ import annotations

from typing import Final, Literal

from trueup.config.meta import ConfigModel, SecretRef
from trueup.config.secret import Secret

AGE_KEY_SUFFIX: Final = ".agekey"
"""Keys of the decryption Secret ending in this hold age identities."""
PGP_KEY_SUFFIX: Final = ".asc"
"""Keys of the decryption Secret ending in this hold armoured PGP private keys."""
PGP_PRIVATE_KEY: Final = "-----BEGIN PGP PRIVATE KEY BLOCK-----"

AGE_IDENTITY_PREFIX: Final = "AGE-SECRET-KEY-1"
"""How every age identity line starts (its Bech32 prefix and separator)."""

_CHARSET: Final = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"
_GENERATOR: Final = (0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD, 0x2A1462B3)


class Decryption(ConfigModel):
    """How an App's SOPS-encrypted files are decrypted: ``{provider: sops, secretRef: …}``."""

    provider: Literal["sops"]
    secret_ref: SecretRef
    """A Secret of the configuration whose ``<name>.agekey`` keys hold age identities and
    ``<name>.asc`` keys PGP private keys."""


def identities_of(secret: Secret) -> tuple[str, ...]:
    """Every age identity in the ``.agekey`` keys of ``secret``, in key order."""
    found: list[str] = []
    for key in sorted(secret.keys()):
        value = secret.get(key)
        if key.endswith(AGE_KEY_SUFFIX) and value is not None:
            found += age_identities(value.get_secret_value())
    return tuple(found)


def pgp_keys_of(secret: Secret) -> tuple[str, ...]:
    """The armoured PGP private keys in the ``.asc`` keys of ``secret``, in key order."""
    found: list[str] = []
    for key in sorted(secret.keys()):
        value = secret.get(key)
        if key.endswith(PGP_KEY_SUFFIX) and value is not None:
            found.append(value.get_secret_value())
    return tuple(found)


def decryption_problem(secret: Secret) -> tuple[str, str] | None:
    """What makes ``secret`` unusable as a decryption Secret, as (message, hint), or None."""
    name, held = secret.metadata.name, secret.keys()
    pgp = sorted(k for k in held if k.endswith(PGP_KEY_SUFFIX))
    keys = sorted(k for k in held if k.endswith(AGE_KEY_SUFFIX))
    if not keys and not pgp:
        return (
            f"Secret '{name}' holds no age or PGP key",
            f"add the output of age-keygen as <name>{AGE_KEY_SUFFIX}, or an armoured PGP "
            f"private key as <name>{PGP_KEY_SUFFIX}",
        )
    for key in pgp:
        value = secret.get(key)
        if value is None or PGP_PRIVATE_KEY not in value.get_secret_value():
            return (
                f"key '{key}' of Secret '{name}' holds no PGP private key",
                "write the output of gpg --armor --export-secret-keys (a public key cannot "
                "decrypt)",
            )
    for key in keys:
        value = secret.get(key)
        text = value.get_secret_value() if value is not None else ""
        identities = age_identities(text)
        if not identities:
            return (
                f"key '{key}' of Secret '{name}' holds no age identity",
                f"write the AGE-SECRET-KEY-1... line age-keygen printed into '{key}'",
            )
        for number, identity in enumerate(identities, start=1):
            try:
                age_recipient(identity)
            except ValueError as e:
                return f"identity {number} in key '{key}' of Secret '{name}' is invalid: {e}", (
                    "copy the AGE-SECRET-KEY-1... line again from the key file"
                )
    return None


def age_identities(text: str) -> list[str]:
    """The identity lines of an age key file (comments and blank lines skipped)."""
    lines = (line.strip() for line in text.splitlines())
    return [line for line in lines if line.upper().startswith(AGE_IDENTITY_PREFIX)]


def age_recipient(identity: str) -> str:
    """The ``age1…`` recipient of the identity ``AGE-SECRET-KEY-1…``.

    Raises ``ValueError`` (naming no part of the key) when it is not a valid identity.
    """
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    hrp, data = _bech32_decode(identity.strip().lower())
    if hrp != "age-secret-key-":
        raise ValueError("not an age identity: it must start with AGE-SECRET-KEY-1")
    scalar = bytes(_convert_bits(data, 5, 8, pad=False))
    if len(scalar) != 32:
        raise ValueError("not an age identity: its key is not 32 bytes long")
    public = X25519PrivateKey.from_private_bytes(scalar).public_key()
    raw = public.public_bytes(Encoding.Raw, PublicFormat.Raw)
    return _bech32_encode("age", _convert_bits(list(raw), 8, 5, pad=True))


def _polymod(values: list[int]) -> int:
    checksum = 1
    for value in values:
        top = checksum >> 25
        checksum = (checksum & 0x1FFFFFF) << 5 ^ value
        for bit, generator in enumerate(_GENERATOR):
            if (top >> bit) & 1:
                checksum ^= generator
    return checksum


def _expanded(hrp: str) -> list[int]:
    return [ord(c) >> 5 for c in hrp] + [0] + [ord(c) & 31 for c in hrp]


def _bech32_decode(text: str) -> tuple[str, list[int]]:
    hrp, separator, rest = text.rpartition("1")
    if not separator or not hrp or len(rest) < 6 or any(c not in _CHARSET for c in rest):
        raise ValueError("not a Bech32 string")
    data = [_CHARSET.index(c) for c in rest]
    if _polymod(_expanded(hrp) + data) != 1:
        raise ValueError("the Bech32 checksum does not match (a typo in the key?)")
    return hrp, data[:-6]


def _bech32_encode(hrp: str, data: list[int]) -> str:
    checksum = _polymod(_expanded(hrp) + data + [0] * 6) ^ 1
    tail = [(checksum >> 5 * (5 - i)) & 31 for i in range(6)]
    return hrp + "1" + "".join(_CHARSET[d] for d in data + tail)


def _convert_bits(data: list[int], source: int, target: int, *, pad: bool) -> list[int]:
    accumulator = bits = 0
    result: list[int] = []
    mask = (1 << target) - 1
    for value in data:
        accumulator = (accumulator << source) | value
        bits += source
        while bits >= target:
            bits -= target
            result.append((accumulator >> bits) & mask)
    if pad and bits:
        result.append((accumulator << (target - bits)) & mask)
    elif not pad and (bits >= source or (accumulator << (target - bits)) & mask):
        raise ValueError("invalid padding in a Bech32 string")
    return result

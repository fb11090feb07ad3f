"""Whether a file is SOPS-encrypted, in which of sops's formats, and for whom.

A SOPS file carries its metadata next to the values: a top-level ``sops`` mapping (YAML,
JSON, and binary files, which sops stores as JSON with one ``data`` value) or flattened
``sops_…`` lines (dotenv). A file counts as encrypted only when that metadata has both a
``mac`` and a ``lastmodified``: an ordinary manifest that merely has a ``sops`` field is
left alone. Reading the metadata needs no key, so a file trueup cannot decrypt is named
with its recipients before ``sops`` runs.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Final

import orjson

from trueup.errors import RenderError
from trueup.render.options import RenderLimits
from trueup.render.yamlload import load_documents


class SopsFormat(enum.StrEnum):
    """sops's ``--input-type``/``--output-type`` names."""

    YAML = "yaml"
    JSON = "json"
    DOTENV = "dotenv"
    BINARY = "binary"


@dataclass(frozen=True, slots=True)
class SopsFile:
    """An encrypted file's format and the recipients its data key was encrypted for."""

    format: SopsFormat
    age: tuple[str, ...]
    """``age1…`` recipients."""
    pgp: tuple[str, ...]
    """PGP key fingerprints."""
    others: tuple[str, ...]
    """Other kinds of keys the file names (``kms``, ``gcp_kms``, ``azure_kv``, ``hc_vault``)."""

    def describe_recipients(self) -> str:
        """The recipients for a message: ``age age1…, pgp ABCD…`` (or ``none``)."""
        parts = [f"age {r}" for r in self.age] + [f"pgp {fp}" for fp in self.pgp]
        parts += [f"{kind} key" for kind in self.others]
        return ", ".join(parts) or "none"


_CLOUD_KEYS: Final = ("kms", "gcp_kms", "azure_kv", "hc_vault")
_DOTENV_RECIPIENT = re.compile(r"^sops_(?:.*__map_)?age__list_\d+__map_recipient=(.*)$", re.M)
_DOTENV_FINGERPRINT = re.compile(r"^sops_(?:.*__map_)?pgp__list_\d+__map_fp=(.*)$", re.M)
_DOTENV_CLOUD = re.compile(
    r"^sops_(?:.*__map_)?(kms|gcp_kms|azure_kv|hc_vault)__list_\d+__map_", re.M
)
_YAML_SUFFIXES: Final = (".yaml", ".yml")


def sops_file(data: bytes, name: str, limits: RenderLimits) -> SopsFile | None:
    """The SOPS metadata of the file ``name`` holding ``data``, or None if it is not encrypted.

    The format follows the content and the name: dotenv when it has ``sops_mac=`` lines;
    for a file with a top-level ``sops`` mapping, JSON or YAML by its suffix, binary when
    it has no such suffix and holds only ``data`` next to ``sops``.
    """
    if b"sops" not in data or b"mac" not in data or b"lastmodified" not in data:
        return None  # the quick test that keeps plain manifests from being parsed twice
    text = data.decode("utf-8", "replace")
    if re.search(r"^sops_mac=", text, re.M) and re.search(r"^sops_lastmodified=", text, re.M):
        return _from_dotenv(text)
    documents = _mappings(data, name, limits)
    metadata = [doc["sops"] for doc in documents if _is_metadata(doc.get("sops"))]
    if not metadata:
        return None
    lowered = name.lower()
    if lowered.endswith(".json"):
        found = SopsFormat.JSON
    elif lowered.endswith(_YAML_SUFFIXES):
        found = SopsFormat.YAML
    elif len(documents) == 1 and set(documents[0]) == {"data", "sops"}:
        found = SopsFormat.BINARY
    else:
        found = SopsFormat.JSON if text.lstrip().startswith("{") else SopsFormat.YAML
    age, pgp, others = _recipients(metadata)
    return SopsFile(found, age, pgp, others)


def is_encrypted_value(value: Any) -> bool:
    """Whether ``value`` is one of sops's encrypted values (``ENC[AES256_GCM,…]``)."""
    return isinstance(value, str) and value.startswith("ENC[AES256_GCM,")


def _is_metadata(value: Any) -> bool:
    return isinstance(value, dict) and "mac" in value and "lastmodified" in value


def _mappings(data: bytes, name: str, limits: RenderLimits) -> list[dict[str, Any]]:
    if data.lstrip().startswith(b"{"):
        try:
            decoded = orjson.loads(data)
        except orjson.JSONDecodeError:
            decoded = None
        if isinstance(decoded, dict):
            return [decoded]
    try:
        documents = list(load_documents(data, name, limits, limits.max_objects))
    except RenderError:
        return []  # not YAML: then not a sops file, and the reader reports what is wrong
    return [doc.data for doc in documents if isinstance(doc.data, dict)]


def _recipients(
    metadata: list[dict[str, Any]],
) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    age: list[str] = []
    pgp: list[str] = []
    others: list[str] = []
    for meta in metadata:
        for group in (meta, *_list(meta.get("key_groups"))):
            if not isinstance(group, dict):
                continue
            age += _field(group.get("age"), "recipient")
            pgp += _field(group.get("pgp"), "fp")
            others += [kind for kind in _CLOUD_KEYS if _list(group.get(kind))]
    return _unique(age), _unique(pgp), _unique(others)


def _from_dotenv(text: str) -> SopsFile:
    age = _unique(m.strip() for m in _DOTENV_RECIPIENT.findall(text))
    pgp = _unique(m.strip() for m in _DOTENV_FINGERPRINT.findall(text))
    others = _unique(_DOTENV_CLOUD.findall(text))
    return SopsFile(SopsFormat.DOTENV, age, pgp, others)


def _field(entries: Any, key: str) -> Iterator[str]:
    for entry in _list(entries):
        if isinstance(entry, dict) and isinstance(entry.get(key), str):
            yield entry[key]


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _unique(values: Iterator[str] | list[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(values))

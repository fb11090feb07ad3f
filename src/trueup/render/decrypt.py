"""Decrypting the SOPS files of one render, and remembering every value that revealed.

A :class:`Decryptor` serves one render: plain-YAML manifests pass through
:meth:`Decryptor.manifest`, the files a kustomization reads through
:meth:`Decryptor.decrypt` (see :mod:`trueup.render.kustomize_sops`). A file is decrypted
only after trueup has checked that it holds a key the file was encrypted for (an age
identity, or a PGP private key, imported on first need into a private GnuPG home that
:meth:`Decryptor.close` removes; see :mod:`trueup.render.gnupg`); then the real ``sops``
decrypts it and verifies its MAC (:mod:`trueup.render.sops_run`).

Every leaf value that was encrypted (``ENC[…]`` in the file) is kept as text in
:attr:`Decryptor.values`, which becomes ``Rendered.masked_values``: the engine masks them
wherever they land, a ConfigMap included. Booleans and nulls are not kept (masking
``true`` would garble every message); nor are values left in plain text by sops's
``encrypted_regex`` or ``unencrypted_suffix`` (``kind: Secret`` is no secret).

A *sealed* decryptor (the render of an untrusted ref, such as a pull request's: see
``RenderOptions.untrusted``) never runs sops and needs no key: each encrypted value
becomes :data:`SEALED` (its base64 in a Secret's ``data``), so the file's shape can be
reviewed and no secret can be copied out of it.
"""

from __future__ import annotations

import base64
import contextlib
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType
from typing import Any, Self

import yaml

from trueup.errors import RenderError
from trueup.masking import MASK, Masker
from trueup.render.gnupg import gnupg_home
from trueup.render.options import RenderLimits
from trueup.render.sops_keys import SopsKeys
from trueup.render.sops_meta import SopsFile, SopsFormat, is_encrypted_value, sops_file
from trueup.render.sops_run import run_sops
from trueup.render.yamlload import load_documents

SEALED = MASK
"""What an encrypted value becomes in a sealed render: the mask every output uses."""


class Decryptor:
    """Decrypts SOPS files with one App's keys; ``keys`` None: the App has no decryption.

    Use it as a context manager (or call :meth:`close`): a GnuPG home made for PGP keys
    lives until then.
    """

    def __init__(
        self, keys: SopsKeys | None, limits: RenderLimits, *, sealed: bool = False
    ) -> None:
        self._keys = keys
        self._sealed = sealed
        self._limits = limits
        self._values: set[str] = set()
        self._resources = contextlib.ExitStack()
        self._gnupg: tuple[Path, frozenset[str]] | None = None

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Stop the GnuPG agent and remove the private GnuPG home, if one was made."""
        self._gnupg = None
        self._resources.close()

    @property
    def values(self) -> frozenset[str]:
        """Every value revealed so far, as text."""
        return frozenset(self._values)

    def manifest(self, data: bytes, shown: str) -> bytes:
        """``data`` (the manifest file ``shown``), decrypted if it is a SOPS file."""
        found = sops_file(data, shown, self._limits)
        return data if found is None else self.decrypt(data, shown, found)

    def decrypt(self, data: bytes, shown: str, found: SopsFile) -> bytes:
        """The plaintext of the SOPS file ``shown``; ``RenderError`` naming it if it fails.

        Sealed: the file with every encrypted value replaced by :data:`SEALED` instead.
        """
        if self._sealed:
            return sealed(data, found.format, shown, self._limits)
        keys = self._keys
        if keys is None:
            raise RenderError(
                f"{shown} is encrypted with SOPS, but the App has no spec.decryption; add "
                "spec.decryption: {provider: sops, secretRef: {name: <Secret>}} naming a "
                "Secret whose <name>.agekey key holds the age identity (or <name>.asc a PGP key)"
            )
        home = None
        if not set(found.age) & keys.age_recipients:
            home = self._pgp_home_for(found, keys)
            if home is None:
                raise RenderError(
                    f"{shown} is encrypted with SOPS for no key trueup holds (its recipients: "
                    f"{found.describe_recipients()}; the App's keys: {self._held(keys)}); add "
                    "the key of one of its recipients to the App's decryption Secret, or "
                    "re-encrypt the file for one of the App's keys (sops updatekeys)"
                )
        limit = self._limits.max_file_bytes
        plain, problem = run_sops(keys, data, found.format, shown, limit, gnupg_home=home)
        if problem:
            raise RenderError(_explained(shown, Masker(self._values)(problem)))
        self._values.update(_revealed(data, plain, found.format, shown, self._limits))
        return plain

    def _pgp_home_for(self, found: SopsFile, keys: SopsKeys) -> Path | None:
        """The GnuPG home to decrypt ``found`` with, if one of the App's PGP keys fits it."""
        if not found.pgp or not keys.pgp_keys:
            return None
        if self._gnupg is None:
            self._gnupg = self._resources.enter_context(gnupg_home(keys.pgp_keys))
        home, fingerprints = self._gnupg
        wanted = {fp.upper().replace(" ", "") for fp in found.pgp}
        # sops records the fingerprint it was given: a full one or a long key id (its tail).
        if any(held.endswith(fp) for held in fingerprints for fp in wanted if fp):
            return home
        return None

    def _held(self, keys: SopsKeys) -> str:
        held = [f"age {recipient}" for recipient in sorted(keys.age_recipients)]
        if self._gnupg is not None:
            held += [f"pgp {fp}" for fp in sorted(self._gnupg[1])]
        elif keys.pgp_keys:
            held.append(f"{len(keys.pgp_keys)} PGP key(s)")
        return ", ".join(held) or "none"


def sealed(data: bytes, form: SopsFormat, shown: str, limits: RenderLimits) -> bytes:
    """The SOPS file ``data`` without its metadata, each encrypted value :data:`SEALED`."""
    if form is SopsFormat.BINARY:
        return SEALED.encode()
    if form is SopsFormat.DOTENV:
        lines = []
        for line in data.decode("utf-8", "replace").splitlines():
            key, separator, value = line.partition("=")
            if key.strip().startswith("sops_"):
                continue
            lines.append(f"{key}={SEALED}" if separator and is_encrypted_value(value) else line)
        return ("\n".join(lines) + "\n").encode()
    documents = []
    for document in load_documents(data, shown, limits, limits.max_objects):
        content: Any = document.data
        if isinstance(content, dict):
            secret = content.get("kind") == "Secret"
            content = {
                key: _sealed(item, base64.b64encode(SEALED.encode()).decode())
                if secret and key == "data"
                else _sealed(item, SEALED)
                for key, item in content.items()
                if key != "sops"
            }
        documents.append(_sealed(content, SEALED))
    return yaml.safe_dump_all(documents, sort_keys=False).encode()


def _sealed(value: Any, placeholder: str) -> Any:
    if isinstance(value, dict):
        return {key: _sealed(item, placeholder) for key, item in value.items()}
    if isinstance(value, list):
        return [_sealed(item, placeholder) for item in value]
    return placeholder if is_encrypted_value(value) else value


def _explained(shown: str, message: str) -> str:
    said = " ".join(message.split()) or "(no message)"
    if "MAC mismatch" in said or "message authentication failed" in said:
        # A changed value or key fails its own authentication tag, anything else the MAC.
        return (
            f"{shown}: sops refused to decrypt it because its MAC or a value's authentication "
            "tag does not match its content: the file was changed after it was encrypted; "
            f"restore it, or edit it with sops (sops said: {said})"
        )
    return f"{shown}: sops could not decrypt it: {said}; check the file and the App's keys"


def _revealed(
    encrypted: bytes, plain: bytes, form: SopsFormat, shown: str, limits: RenderLimits
) -> Iterator[str]:
    """The text of every value that ``encrypted`` held encrypted and ``plain`` reveals."""
    if form is SopsFormat.BINARY:
        try:
            yield plain.decode("utf-8")
        except UnicodeDecodeError:
            yield base64.b64encode(plain).decode()  # how a Secret's data holds it
        return
    if form is SopsFormat.DOTENV:
        secret_keys = {k for k, v in _dotenv(encrypted) if is_encrypted_value(v)}
        yield from (v for k, v in _dotenv(plain) if k in secret_keys)
        return
    before = [d.data for d in load_documents(encrypted, shown, limits, limits.max_objects)]
    after = [d.data for d in load_documents(plain, shown, limits, limits.max_objects)]
    for old, new in zip(before, after, strict=False):
        if isinstance(old, dict):
            old = {key: value for key, value in old.items() if key != "sops"}
        yield from _leaves(old, new)


def _leaves(encrypted: Any, plain: Any) -> Iterator[str]:
    if isinstance(encrypted, dict) and isinstance(plain, dict):
        for key, value in encrypted.items():
            if key in plain:
                yield from _leaves(value, plain[key])
    elif isinstance(encrypted, list) and isinstance(plain, list):
        for old, new in zip(encrypted, plain, strict=False):
            yield from _leaves(old, new)
    elif is_encrypted_value(encrypted) and _maskable(plain):
        yield str(plain)


def _maskable(value: Any) -> bool:
    return isinstance(value, (str, int, float)) and not isinstance(value, bool)


def _dotenv(data: bytes) -> Iterator[tuple[str, str]]:
    for line in data.decode("utf-8", "replace").splitlines():
        key, separator, value = line.partition("=")
        if separator and not key.lstrip().startswith("#"):
            yield key.strip(), value

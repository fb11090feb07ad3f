"""The keys a render decrypts SOPS files with (built from the App's ``spec.decryption``)."""

from __future__ import annotations

from dataclasses import dataclass, field

from trueup.config.decryption import age_recipient


@dataclass(frozen=True, slots=True)
class SopsKeys:
    """What a render needs to decrypt: the ``sops`` program and the App's keys.

    The keys never appear in a ``repr``; age identities reach ``sops`` only through its
    environment (see :mod:`trueup.render.sops_run`), PGP keys through a private GnuPG home
    (see :mod:`trueup.render.gnupg`). The loader has checked that each is
    valid (:func:`trueup.config.decryption.decryption_problem`).
    """

    sops: str
    """Path of the ``sops`` binary (built by :func:`trueup.render.sops_run.sops_binary`)."""
    age_identities: tuple[str, ...] = field(default=(), repr=False)
    pgp_keys: tuple[str, ...] = field(default=(), repr=False)
    """Armoured PGP private keys (``-----BEGIN PGP PRIVATE KEY BLOCK-----``)."""

    @property
    def age_recipients(self) -> frozenset[str]:
        """The public ``age1…`` recipient of each identity."""
        return frozenset(age_recipient(identity) for identity in self.age_identities)

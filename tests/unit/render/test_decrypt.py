"""``Decryptor`` decides before sops runs: no decryption configured, or no key for the
file's recipients, fails naming the file and its recipients (sops is never started, so a
path that is no program proves it); plain manifests pass through untouched."""

from __future__ import annotations

from pathlib import Path

import pytest

from trueup.config.decryption import age_identities
from trueup.errors import RenderError
from trueup.render import RenderOptions
from trueup.render.decrypt import Decryptor
from trueup.render.options import RenderLimits
from trueup.render.sops_keys import SopsKeys

FIXTURES = Path(__file__).parents[2] / "fixtures" / "sops"
NO_PROGRAM = "/nonexistent/sops"
KEYS = SopsKeys(NO_PROGRAM, tuple(age_identities((FIXTURES / "test-only-age-key.txt").read_text())))

KMS_ONLY = b"""\
apiVersion: v1
kind: Secret
metadata: {name: cloud}
stringData: {password: "ENC[AES256_GCM,data:AAAA,iv:BBBB,tag:CCCC,type:str]"}
sops:
  kms:
    - arn: arn:aws:kms:eu-west-1:111122223333:key/example
      enc: AAAA
  pgp:
    - fp: 0123456789ABCDEF0123456789ABCDEF01234567
      enc: AAAA
  lastmodified: "2026-01-01T00:00:00Z"
  mac: ENC[AES256_GCM,data:AAAA,iv:BBBB,tag:CCCC,type:str]
"""


def test_a_plain_manifest_passes_through_and_reveals_nothing() -> None:
    data = b"apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\ndata: {sops: mac}\n"
    decryptor = Decryptor(KEYS, RenderLimits())

    assert decryptor.manifest(data, "a.yaml") is data
    assert decryptor.values == frozenset()


def test_a_file_for_cloud_and_pgp_keys_only_names_them_without_running_sops() -> None:
    with pytest.raises(RenderError) as caught:
        Decryptor(KEYS, RenderLimits()).manifest(KMS_ONLY, "apps/cloud.yaml")

    message = str(caught.value)
    assert message.startswith("apps/cloud.yaml is encrypted with SOPS for no key trueup holds")
    assert "pgp 0123456789ABCDEF0123456789ABCDEF01234567, kms key" in message
    assert NO_PROGRAM not in message


def test_without_decryption_an_encrypted_manifest_is_refused_naming_it() -> None:
    data = (FIXTURES / "yaml" / "secret.yaml").read_bytes()

    with pytest.raises(RenderError, match=r"^yaml/secret.yaml is encrypted with SOPS, but"):
        Decryptor(None, RenderLimits()).manifest(data, "yaml/secret.yaml")


def test_a_missing_sops_program_is_a_render_error_naming_the_file() -> None:
    data = (FIXTURES / "yaml" / "secret.yaml").read_bytes()

    with pytest.raises(RenderError, match=r"^yaml/secret.yaml: sops could not be run"):
        Decryptor(KEYS, RenderLimits()).manifest(data, "yaml/secret.yaml")


def test_the_keys_never_show_in_a_repr_of_the_render_options() -> None:
    shown = repr(RenderOptions(decryption=KEYS))

    assert "SopsKeys(sops='/nonexistent/sops')" in shown
    assert KEYS.age_identities[0][16:] not in shown

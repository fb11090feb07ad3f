"""Recognising SOPS files without a key: format, recipients, and age keys' recipients.

The fixtures in ``tests/fixtures/sops`` were written by the real sops (see its
``regenerate.sh``); nothing here runs sops.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from trueup.config.decryption import age_identities, age_recipient
from trueup.render.options import RenderLimits
from trueup.render.sops_meta import SopsFile, SopsFormat, sops_file

FIXTURES = Path(__file__).parents[2] / "fixtures" / "sops"
TEST_RECIPIENT = "age1vgvrcnfy8wuy4yekg8gr40cx8vgqxq58qrvjztjhhevexqxj65pqka5tsx"
"""The public key of ``test-only-age-key.txt``, as age-keygen printed it."""


def meta(name: str) -> SopsFile | None:
    data = (FIXTURES / name).read_bytes()
    return sops_file(data, name, RenderLimits())


@pytest.mark.parametrize(
    ("name", "form"),
    [
        ("yaml/secret.yaml", SopsFormat.YAML),
        ("yaml/configmap.yaml", SopsFormat.YAML),
        ("yaml/settings.json", SopsFormat.JSON),
        ("kustomize/app.env", SopsFormat.DOTENV),
        ("kustomize/config.json", SopsFormat.JSON),
        ("kustomize/values.yaml", SopsFormat.YAML),
        ("kustomize/token.bin", SopsFormat.BINARY),
    ],
)
def test_each_kind_of_sops_file_is_recognised_with_its_format_and_recipient(
    name: str, form: SopsFormat
) -> None:
    found = meta(name)

    assert found is not None
    assert found.format is form
    assert found.age == (TEST_RECIPIENT,)


def test_the_recipients_of_a_file_for_another_key_are_read_from_its_metadata() -> None:
    found = meta("broken/other-recipient.yaml")

    assert found is not None
    assert found.age != (TEST_RECIPIENT,)
    assert found.describe_recipients().startswith("age age1")


@pytest.mark.parametrize(
    "text",
    [
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\ndata: {sops: on}\n",
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\nsops: {mac: x}\n",
        '{"sops": {"lastmodified": "x"}, "mac": 1}',
        "SOPS_MAC=1\nlastmodified=2\n",
        "not: [valid",
    ],
)
def test_a_file_without_both_mac_and_lastmodified_in_its_sops_metadata_is_plain(
    text: str,
) -> None:
    assert sops_file(text.encode(), "file.yaml", RenderLimits()) is None


def test_the_recipient_derived_from_the_test_key_is_the_one_age_keygen_printed() -> None:
    identities = age_identities((FIXTURES / "test-only-age-key.txt").read_text())

    assert len(identities) == 1
    assert age_recipient(identities[0]) == TEST_RECIPIENT


@pytest.mark.parametrize(
    "identity",
    [
        "AGE-SECRET-KEY-1",
        "AGE-SECRET-KEY-1QQQQ",
        "age1vgvrcnfy8wuy4yekg8gr40cx8vgqxq58qrvjztjhhevexqxj65pqka5tsx",
    ],
)
def test_a_broken_identity_is_refused(identity: str) -> None:
    with pytest.raises(ValueError, match="not") as caught:
        age_recipient(identity)

    assert identity not in str(caught.value)


def test_an_identity_with_one_character_changed_fails_its_checksum() -> None:
    identity = age_identities((FIXTURES / "test-only-age-key.txt").read_text())[0]
    changed = identity[:-3] + ("Q" if identity[-3] != "Q" else "P") + identity[-2:]

    with pytest.raises(ValueError, match="checksum"):
        age_recipient(changed)

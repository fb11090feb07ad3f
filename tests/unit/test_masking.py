"""Messages from tools and servers lose every known secret value, in every form a tool
quotes it, and are cut to a bounded length without leaving half a value behind."""

from __future__ import annotations

import base64

from trueup.changeset import Action, ChangeSet, ObjectChange
from trueup.failure import Failure, Reason
from trueup.masking import MASK, MAX_MESSAGE_CHARS, MIN_SECRET_CHARS, Masker, secret_values
from trueup.objects import ObjectId

CANARY = "canary-5f2b9c"
PEM = "-----BEGIN KEY-----\nAAAAline-one-of-the-key\nBBBBline-two-of-the-key\n-----END KEY-----\n"


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def test_a_known_value_is_masked_wherever_it_occurs() -> None:
    masker = Masker([CANARY])
    assert masker(f"node contents: {CANARY} and again {CANARY}!") == (
        f"node contents: {MASK} and again {MASK}!"
    )


def test_the_base64_and_json_quoted_forms_of_a_value_are_masked() -> None:
    value = 'pa"ss\\word'
    masker = Masker([value])
    assert masker(f"data: {b64(value)}") == f"data: {MASK}"
    assert masker('invalid value: "pa\\"ss\\\\word"') == f'invalid value: "{MASK}"'


def test_each_line_of_a_multi_line_value_is_masked_when_a_tool_reindents_it() -> None:
    masker = Masker([PEM])
    quoted = "error in:\n    " + "\n    ".join(PEM.splitlines())
    assert "line-one" not in masker(quoted)
    assert "line-two" not in masker(quoted)
    assert "line-one" not in masker(" ".join(PEM.split()))


def test_values_shorter_than_the_minimum_are_not_masked_on_their_own() -> None:
    short = "x" * (MIN_SECRET_CHARS - 1)
    masker = Masker([short, "1"])
    assert masker(f"exit 1: {short}") == f"exit 1: {short}"
    assert Masker(["x" * MIN_SECRET_CHARS])("a xxxx b") == f"a {MASK} b"


def test_a_value_containing_another_is_masked_whole() -> None:
    masker = Masker(["secret", "my-secret-value"])
    assert masker("was my-secret-value") == f"was {MASK}"


def test_a_long_message_keeps_its_beginning_and_end_and_is_bounded() -> None:
    text = "start " + "x" * 10_000 + " the real error"
    cut = Masker()(text)
    assert len(cut) <= MAX_MESSAGE_CHARS
    assert cut.startswith("start ")
    assert cut.endswith(" the real error")
    assert "characters cut" in cut


def test_a_value_straddling_the_cut_is_masked_before_cutting() -> None:
    long_value = "k" * 3000
    text = "a" * 1000 + long_value + "z" * 1000
    assert "k" not in Masker([long_value])(text)


def test_secret_values_are_data_decoded_and_as_written_and_string_data() -> None:
    objects = [
        {"kind": "Secret", "data": {"a": b64("from-data"), "bad": "not base64!"}},
        {"kind": "Secret", "stringData": {"b": "from-string-data", "n": 12345}},
        {"kind": "ConfigMap", "data": {"c": "not-a-secret"}},
    ]
    values = set(secret_values(objects))
    assert {"from-data", b64("from-data"), "not base64!", "from-string-data"} <= values
    assert "12345" in values
    assert "not-a-secret" not in values


def test_with_values_keeps_the_values_already_known() -> None:
    masker = Masker(["first-value"]).with_values(["second-value"])
    assert masker("first-value second-value") == f"{MASK} {MASK}"


def test_a_failure_and_the_reasons_of_a_change_set_are_masked() -> None:
    masker = Masker([CANARY])
    oid = ObjectId("", "Secret", "shop", "db")
    changes = ChangeSet(
        (ObjectChange(oid, Action.FAILED, f"quoted {CANARY}"), ObjectChange(oid, Action.CREATED))
    )
    failure = Failure(Reason.INVALID, f"Secret/shop/db failed dry-run: {CANARY}")

    masked_failure = masker.failure(failure)

    assert masked_failure == Failure(Reason.INVALID, f"Secret/shop/db failed dry-run: {MASK}")
    assert [c.reason for c in masker.changes(changes).changes] == [f"quoted {MASK}", ""]
    assert masker.failure(None) is None


def test_a_value_among_thousands_is_masked_and_the_others_left_alone() -> None:
    values = [f"value-{i:05d}-secret" for i in range(5000)]
    masker = Masker(values)
    assert masker("quoted value-04242-secret, not value-9") == f"quoted {MASK}, not value-9"

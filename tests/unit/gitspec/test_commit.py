"""Reading what ``git log --format=COMMIT_FORMAT`` prints about one commit."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from trueup.gitspec import Commit, parse_commit
from trueup.gitspec.commit import MAX_SUBJECT_CHARS

SHA = "0123456789abcdef0123456789abcdef01234567"
OTHER = "f" * 40
AT = 1764494142  # 2025-11-30T09:15:42Z


def printed(*fields: str) -> bytes:
    return ("\0".join(fields) + "\n").encode()


def test_the_five_fields_become_a_commit_in_utc() -> None:
    found = parse_commit(SHA, printed(SHA, "Ana Lima", "ana@example.com", str(AT), "Fix it"))
    assert found == Commit(
        SHA, "Ana Lima", "ana@example.com", "Fix it", datetime.fromtimestamp(AT, UTC)
    )
    assert found.signature == "Ana Lima <ana@example.com>"


@pytest.mark.parametrize(
    "output",
    [
        b"",
        printed(OTHER, "Ana", "ana@example.com", str(AT), "another commit's details"),
        printed(SHA, "Ana", "ana@example.com", str(AT)),
        printed(SHA, "Ana", "ana@example.com", "yesterday", "Fix it"),
        printed(SHA, "Ana", "ana@example.com", str(AT), "Fix", "a NUL in the subject"),
        b"fatal: bad object\n",
    ],
    ids=["nothing", "another-commit", "missing-field", "time-not-a-number", "extra-field", "error"],
)
def test_output_that_is_not_the_commit_s_details_gives_none(output: bytes) -> None:
    assert parse_commit(SHA, output) is None


def test_control_characters_cannot_reach_a_terminal_and_long_subjects_are_cut() -> None:
    subject = "\x1b[31mred\x1b[0m " + "x" * 2 * MAX_SUBJECT_CHARS
    found = parse_commit(SHA, printed(SHA, "Eve\x07", "eve@example.com", str(AT), subject))
    assert found is not None
    assert found.author == "Eve"
    assert "\x1b" not in found.subject
    assert found.subject.startswith("[31mred [0m xxx")
    assert len(found.subject) == MAX_SUBJECT_CHARS
    assert found.subject.endswith("…")


def test_bytes_that_are_not_utf8_are_replaced_not_refused() -> None:
    output = SHA.encode() + b"\0Jos\xe9\0jose@example.com\0" + str(AT).encode() + b"\0Fix\n"
    found = parse_commit(SHA, output)
    assert found is not None
    assert found.author == "Jos\N{REPLACEMENT CHARACTER}"


def test_a_commit_keeps_its_time_in_utc_and_refuses_a_bad_id_or_a_naive_time() -> None:
    plus_one = datetime(2026, 1, 1, 10, 0, tzinfo=timezone(timedelta(hours=1)))
    nine_utc = datetime(2026, 1, 1, 9, 0, tzinfo=UTC)
    assert Commit(SHA, "a", "", "s", plus_one).committed_at == nine_utc
    assert Commit(SHA, "a", "", "s", plus_one).signature == "a"
    with pytest.raises(ValueError, match="40 lower-case hex"):
        Commit("abc", "a", "", "s", plus_one)
    with pytest.raises(ValueError, match="timezone-aware"):
        Commit(SHA, "a", "", "s", datetime(2026, 1, 1))

"""content_length_verdict: the check a server makes before it reads a body."""

from __future__ import annotations

import pytest

from trueup.webhooks import MAX_BODY_BYTES, Outcome, content_length_verdict


@pytest.mark.parametrize(
    ("headers", "outcome"),
    [
        ({}, None),
        ({"Content-Length": "0"}, None),
        ({"Content-Length": str(MAX_BODY_BYTES)}, None),
        ({"content-length": " 512 "}, None),
        ({"CONTENT-LENGTH": "0" * 10_000 + "7"}, None),
        ({"Content-Length": str(MAX_BODY_BYTES + 1)}, Outcome.TOO_LARGE),
        ({"Content-Length": "104857600"}, Outcome.TOO_LARGE),
        ({"Content-Length": "9" * 10_000}, Outcome.TOO_LARGE),
        ({"Content-Length": ""}, Outcome.BAD_REQUEST),
        ({"Content-Length": "-1"}, Outcome.BAD_REQUEST),
        ({"Content-Length": "+5"}, Outcome.BAD_REQUEST),
        ({"Content-Length": "1e3"}, Outcome.BAD_REQUEST),
        ({"Content-Length": "5, 5"}, Outcome.BAD_REQUEST),
        ({"Content-Length": "\u0661\u0662"}, Outcome.BAD_REQUEST),  # Arabic-Indic digits
        ({"Content-Length": "5", "content-length": "6"}, Outcome.BAD_REQUEST),
        ({"Content-Length": "5", "content-length": "5"}, None),
    ],
    ids=[
        "absent",
        "zero",
        "exactly the limit",
        "blanks around",
        "many leading zeros",
        "one byte over",
        "100 MB",
        "ten thousand digits",
        "empty",
        "negative",
        "plus sign",
        "exponent",
        "a list",
        "non-ASCII digits",
        "twice, different",
        "twice, the same",
    ],
)
def test_content_length_is_checked_before_the_body_is_read(
    headers: dict[str, str], outcome: Outcome | None
) -> None:
    verdict = content_length_verdict(headers)
    assert (verdict.outcome if verdict is not None else None) is outcome
    if verdict is not None:
        assert verdict.status == {Outcome.TOO_LARGE: 413, Outcome.BAD_REQUEST: 400}[verdict.outcome]

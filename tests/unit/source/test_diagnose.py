"""git's stderr decides between a temporary and a permanent source error."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from trueup.errors import SourceError, SourceUnavailableError
from trueup.source.diagnose import Fault, classify, error_for, summarise

CASES: list[dict[str, str]] = yaml.safe_load(
    (Path(__file__).parent / "fixtures" / "git_stderr.yaml").read_text()
)


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c['fault']}:{c['stderr'][:40]}")
def test_stderr_is_classified(case: dict[str, str]) -> None:
    assert classify(case["stderr"]) is Fault(case["fault"])


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c['fault']}:{c['stderr'][:40]}")
def test_only_unavailability_is_a_temporary_error(case: dict[str, str]) -> None:
    error = error_for("fetching x", case["stderr"])
    temporary = Fault(case["fault"]) is Fault.UNAVAILABLE
    assert type(error) is (SourceUnavailableError if temporary else SourceError)
    assert error.args[0].startswith("fetching x failed: ")


def test_the_summary_drops_hints_and_is_bounded() -> None:
    text = summarise("hint: do this\nfatal: broken\n" + "x" * 1000)
    assert text.startswith("fatal: broken; xxx")
    assert "hint" not in text
    assert len(text) <= 400


def test_an_authentication_failure_says_so_in_plain_words_before_gits_message() -> None:
    stderr = "fatal: could not read Username for 'https://h': terminal prompts disabled\n"
    message = str(error_for("fetching https://h/r", stderr))
    assert message.startswith(
        "fetching https://h/r failed: the server refused the credentials, or none were configured"
    )
    assert "terminal prompts disabled" in message
    assert "check the source's credentials" in message

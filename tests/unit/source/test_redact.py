"""Secrets are masked in every message the source layer produces."""

from __future__ import annotations

import pytest

from trueup.source.redact import Redactor, basic_credentials, redact_url

SECRET = "s3cr3t-t0ken/with+chars"


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("https://user:pass@host/repo.git", "https://user:***@host/repo.git"),
        ("fatal: 'https://x:y@h/r' not found", "fatal: 'https://x:***@h/r' not found"),
        ("https://host/repo.git", "https://host/repo.git"),
        ("ssh://git@host/repo.git", "ssh://git@host/repo.git"),
        ("Authorization: Bearer abc.def", "Authorization: ***"),
        ("authorization: Basic dXNlcjpwYXNz", "authorization: ***"),
        ("https://h/r?access_token=abc&x=1", "https://h/r?access_token=***&x=1"),
    ],
)
def test_credential_patterns_are_masked(text: str, want: str) -> None:
    assert redact_url(text) == want


def test_known_secrets_are_masked_in_every_form_git_might_echo() -> None:
    redact = Redactor([SECRET])
    for form in (SECRET, "s3cr3t-t0ken%2Fwith%2Bchars", basic_credentials("u", SECRET)):
        assert SECRET not in redact(f"fatal: {form} rejected")
    assert redact(f"x {SECRET} y") == "x *** y"
    encoded = basic_credentials("u", SECRET)
    assert encoded not in Redactor([SECRET, encoded])(f"header {encoded}")


def test_short_values_are_not_treated_as_secrets() -> None:
    assert Redactor(["ab"])("about tabs") == "about tabs"

"""A canary secret planted in every kind of broken configuration never appears in any output."""

from __future__ import annotations

from pathlib import Path

import pytest

from trueup.config import load_config
from trueup.errors import ConfigError

CANARY = "CANARY-7f3a9"
FIXTURE = Path(__file__).parent / "fixtures" / "canary.yaml"


def test_the_canary_fixture_produces_an_issue_for_every_broken_object() -> None:
    config = load_config(FIXTURE)
    named = {issue.object for issue in config.errors}
    assert named >= {
        "Secret/bad-base64",
        "Secret/wrong-type",
        "Secret/unknown-field",
        "Secret/twice",
        "GitSource/token-in-url",
        "GitSource/token-in-odd-url",
        "GitSource/token-in-url-with-space",
        "GitSource/token-in-query",
        "GitSource/ssh-with-https-secret",
        "App/web",
        "Receiver/token-with-newline",
    }
    assert any("not valid YAML" in issue.message for issue in config.errors)
    assert [str(s.id) for s in config.secrets] == ["Secret/good", "Secret/hook-token"]


def test_no_issue_message_or_repr_shows_a_secret_value() -> None:
    config = load_config(FIXTURE)
    assert config.errors
    for issue in config.errors:
        assert CANARY not in str(issue)
        assert CANARY not in repr(issue)
    assert CANARY not in repr(config)


def test_the_config_error_shows_no_secret_value() -> None:
    config = load_config(FIXTURE)
    with pytest.raises(ConfigError) as raised:
        config.raise_if_invalid()
    assert CANARY not in str(raised.value)
    assert "Secret/bad-base64" in str(raised.value)


def test_a_valid_secret_shows_its_value_only_when_asked() -> None:
    good = load_config(FIXTURE).secrets[0]
    assert good.metadata.name == "good"
    assert CANARY not in repr(good)
    assert CANARY not in str(good)
    assert CANARY not in good.model_dump_json()
    password = good.get("password")
    assert password is not None
    assert password.get_secret_value() == CANARY

"""Bearer tokens, roles and App globs: who may call what."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from trueup.api.auth import ANONYMOUS, Caller, Tokens, digest
from trueup.api.problems import Code, Problem
from trueup.config import ApiRole, load_config

VIEWER_TOKEN = "viewer-token-0123456789"
OPERATOR_TOKEN = "operator-token-0123456789"


def _config(tmp_path: Path, *tokens: tuple[str, str, str, list[str]]) -> Path:
    docs = []
    for name, role, value, apps in tokens:
        docs.append(
            {
                "apiVersion": "trueup.dev/v1alpha1",
                "kind": "ApiToken",
                "metadata": {"name": name},
                "spec": {"role": role, "secretRef": {"name": f"{name}-secret"}, "apps": apps},
            }
        )
        docs.append(
            {
                "apiVersion": "v1",
                "kind": "Secret",
                "metadata": {"name": f"{name}-secret"},
                "stringData": {"token": value},
            }
        )
    path = tmp_path / "trueup.yaml"
    path.write_text(yaml.safe_dump_all(docs))
    return path


@pytest.fixture
def tokens(tmp_path: Path) -> Tokens:
    config = load_config(
        _config(
            tmp_path,
            ("ci", "viewer", VIEWER_TOKEN, ["web*", "shop"]),
            ("ops", "operator", OPERATOR_TOKEN, ["*"]),
        )
    )
    assert config.ok, config.errors
    return Tokens(config)


def test_a_valid_token_names_its_apitoken_role_and_apps(tokens: Tokens) -> None:
    caller = tokens.caller(f"Bearer {VIEWER_TOKEN}", open_here=True)
    assert caller == Caller("ci", ApiRole.VIEWER, ("web*", "shop"))
    assert not caller.may_act
    assert caller.trigger == "api:ci"
    operator = tokens.caller(f"bearer {OPERATOR_TOKEN}", open_here=False)
    assert operator.name == "ops"
    assert operator.may_act


@pytest.mark.parametrize(
    "header",
    [None, "", "Bearer", "Bearer ", f"Basic {VIEWER_TOKEN}", "Bearer wrong-token-0123456789",
     f"Bearer {VIEWER_TOKEN}x", f"Bearer {VIEWER_TOKEN[:-1]}"],
)  # fmt: skip
def test_once_tokens_exist_a_missing_or_wrong_token_is_unauthorized_even_on_loopback(
    tokens: Tokens, header: str | None
) -> None:
    with pytest.raises(Problem) as raised:
        tokens.caller(header, open_here=True)
    assert raised.value.code is Code.UNAUTHORIZED
    assert VIEWER_TOKEN not in raised.value.message


def test_without_tokens_loopback_is_open_and_the_network_is_not(tmp_path: Path) -> None:
    tokens = Tokens(load_config(_config(tmp_path)))
    assert not tokens
    assert tokens.caller(None, open_here=True) is ANONYMOUS
    assert ANONYMOUS.may_act
    assert ANONYMOUS.may_see("anything")
    with pytest.raises(Problem) as raised:
        tokens.caller("Bearer whatever-0123456789", open_here=False)
    assert raised.value.code is Code.UNAUTHORIZED


def test_tokens_are_kept_as_digests_only(tokens: Tokens) -> None:
    held = repr(vars(tokens)) if hasattr(tokens, "__dict__") else repr(tokens._known)
    assert VIEWER_TOKEN not in held
    assert OPERATOR_TOKEN not in held


@pytest.mark.parametrize(
    ("app", "seen"),
    [("web", True), ("web-2", True), ("shop", True), ("shop-2", False), ("api", False)],
)
def test_app_globs_limit_what_a_token_sees(tokens: Tokens, app: str, seen: bool) -> None:
    assert tokens.caller(f"Bearer {VIEWER_TOKEN}", open_here=True).may_see(app) is seen


def test_find_is_the_one_lookup_of_a_presented_token(tokens: Tokens) -> None:
    found = tokens.find(VIEWER_TOKEN)
    assert found is not None
    assert found.caller == Caller("ci", ApiRole.VIEWER, ("web*", "shop"))
    assert found.digest == digest(VIEWER_TOKEN)
    # What a session keeps (the digest) finds the same caller while the token stands.
    assert tokens.by_digest(found.digest) == found.caller
    assert tokens.find(f"  {VIEWER_TOKEN}\n") == found  # pasted with spaces around it
    for wrong in ("", VIEWER_TOKEN[:-1], VIEWER_TOKEN + "x", VIEWER_TOKEN.upper()):
        assert tokens.find(wrong) is None
    # The bearer header goes through the same lookup.
    operator = tokens.find(OPERATOR_TOKEN)
    assert operator is not None
    assert tokens.caller(f"Bearer  {OPERATOR_TOKEN} ", open_here=False) == operator.caller

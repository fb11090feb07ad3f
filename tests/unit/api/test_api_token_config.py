"""The ApiToken kind: what loads, and what is refused with a message naming the field."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from trueup.config import ApiRole, load_config


def _load(tmp_path: Path, *docs: dict[str, Any]) -> Any:
    path = tmp_path / "trueup.yaml"
    path.write_text(yaml.safe_dump_all(docs))
    return load_config(path)


def _token(name: str, ref: str = "s", **spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": "trueup.dev/v1alpha1",
        "kind": "ApiToken",
        "metadata": {"name": name},
        "spec": {"role": "viewer", "secretRef": {"name": ref}, **spec},
    }


def _secret(name: str = "s", **data: str) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": name}, "stringData": data}


def test_an_apitoken_loads_with_every_app_by_default(tmp_path: Path) -> None:
    config = _load(tmp_path, _token("ci"), _secret(token="a" * 32))
    assert config.ok, config.errors
    (token,) = config.api_tokens
    assert token.spec.role is ApiRole.VIEWER
    assert token.spec.apps == ("*",)
    assert config.api_token_secret(token) == "a" * 32


def test_a_bad_role_or_glob_is_refused_naming_the_field(tmp_path: Path) -> None:
    config = _load(
        tmp_path,
        _token("a", role="admin"),
        _token("b", apps=["Web App"]),
        _token("c", apps=[]),
        _secret(token="a" * 32),
    )
    fields = sorted((issue.object, issue.field) for issue in config.errors)
    assert fields == [
        ("ApiToken/a", "spec.role"),
        ("ApiToken/b", "spec.apps"),
        ("ApiToken/c", "spec.apps"),
    ]
    assert config.api_tokens == ()


def test_a_missing_short_or_shared_token_drops_the_apitoken(tmp_path: Path) -> None:
    config = _load(
        tmp_path,
        _token("missing", ref="nope"),
        _token("nokey", ref="empty"),
        _token("short", ref="short"),
        _token("first", ref="one"),
        _token("second", ref="same"),
        _secret("empty", other="x"),
        _secret("short", token="tiny"),
        _secret("one", token="b" * 32),
        _secret("same", token="b" * 32),
    )
    refused = {issue.object: issue.message for issue in config.errors}
    assert set(refused) == {"ApiToken/missing", "ApiToken/nokey", "ApiToken/short",
                            "ApiToken/second"}  # fmt: skip
    assert "already the token of ApiToken/first" in refused["ApiToken/second"]
    assert all("b" * 32 not in message for message in refused.values())
    assert [t.metadata.name for t in config.api_tokens] == ["first"]


def test_apitoken_names_are_unique_across_namespaces(tmp_path: Path) -> None:
    other = _token("ci", ref="t2")
    other["metadata"]["namespace"] = "team"
    secret = _secret("t2", token="d" * 32)
    secret["metadata"]["namespace"] = "team"
    config = _load(tmp_path, _token("ci"), _secret(token="c" * 32), other, secret)
    assert [issue.object for issue in config.errors] == ["ApiToken/team/ci"]

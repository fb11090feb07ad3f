"""Checks across objects for ApiTokens: one name in the whole configuration, a usable
token in the Secret named, and no token shared by two ApiTokens.

An ApiToken that fails one is dropped with an issue, so ``trueup serve`` accepts only
tokens that are what their ApiToken says.
"""

from __future__ import annotations

from typing import Final

from trueup.config.api_token import TOKEN, ApiToken
from trueup.config.meta import API_GROUP
from trueup.config.references import Declared, Key, _missing
from trueup.config.secret import Secret
from trueup.objects import ObjectId

MIN_TOKEN_LENGTH: Final = 16
"""Shorter tokens are refused: a bearer token is a password that nobody types."""

_SECRET = ("spec", "secretRef", "name")


def check_api_tokens(declared: Declared) -> None:
    """Drop ApiTokens whose name is taken, whose token is missing or unusable, or reused."""
    names: dict[str, Key] = {}
    tokens: dict[str, Key] = {}
    for key in declared.of_kind("ApiToken"):
        api_token = declared.valid[key][0]
        assert isinstance(api_token, ApiToken)
        name = api_token.metadata.name
        if name in names:
            other = str(ObjectId(API_GROUP, *names[name]))
            declared.issue(
                key,
                ("metadata", "name"),
                f"the name is already used by {other}",
                "rename one of them: the history names a token by its name alone",
            )
            continue
        namespace, secret_name = api_token.namespace, api_token.spec.secret_ref.name
        problem = _missing("Secret", namespace, secret_name, declared)
        value = ""
        if problem is None:
            secret = declared.valid[("Secret", namespace, secret_name)][0]
            assert isinstance(secret, Secret)
            found = secret.get(TOKEN)
            value = found.get_secret_value() if found is not None else ""
            problem = _token_problem(secret_name, secret, value)
        if problem is None and value in tokens:
            other = str(ObjectId(API_GROUP, *tokens[value]))
            problem = (
                f"the token of Secret '{secret_name}' is already the token of {other}",
                "give every ApiToken a token of its own (openssl rand -hex 32)",
            )
        if problem is not None:
            declared.issue(key, _SECRET, *problem)
            continue
        names[name] = key
        tokens[value] = key


def _token_problem(name: str, secret: Secret, value: str) -> tuple[str, str] | None:
    held = secret.keys()
    if TOKEN not in held:
        return f"Secret '{name}' has no key {TOKEN}", f"add the bearer token as {TOKEN}"
    if value != value.strip() or not (value.isascii() and value.isprintable()):
        return (
            f"the {TOKEN} of Secret '{name}' is not printable ASCII without surrounding spaces",
            "a token travels in an HTTP header: generate one with openssl rand -hex 32",
        )
    if len(value) < MIN_TOKEN_LENGTH:
        return (
            f"the {TOKEN} of Secret '{name}' is shorter than {MIN_TOKEN_LENGTH} characters",
            "generate one with openssl rand -hex 32",
        )
    return None

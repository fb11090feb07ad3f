"""``ApiToken``: a bearer token for the HTTP API of ``trueup serve``, its role and its Apps.

The token itself is the key ``token`` of the Secret in ``spec.secretRef`` (in the
ApiToken's namespace); ``spec.role`` is ``viewer`` (read) or ``operator`` (read, sync,
suspend, resume, refresh); ``spec.apps`` limits it to the Apps whose names match one of
its glob patterns (``*``, ``?``, ``[...]``; every App by default). The name appears in the
history as the trigger ``api:<name>``, so names are unique across the configuration.

:func:`check_api_tokens` drops an ApiToken whose Secret or token is missing, whose name
is taken, or whose token another ApiToken already uses.
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Annotated, Final, Literal

from pydantic import AfterValidator, BeforeValidator
from pydantic_core import PydanticCustomError

from trueup.config.meta import API_VERSION, ConfigModel, ConfigObject, SecretRef

TOKEN: Final = "token"  # noqa: S105 - a key name, not a secret
"""Key of the bearer token in the Secret an ApiToken's ``secretRef`` names."""

_GLOB = re.compile(r"[-a-z0-9.*?\[\]!]+")


class ApiRole(StrEnum):
    """What a token may do: ``viewer`` reads, ``operator`` reads and acts."""

    VIEWER = "viewer"
    OPERATOR = "operator"


def _role(value: object) -> object:
    if not isinstance(value, str) or value not in {r.value for r in ApiRole}:
        raise PydanticCustomError(
            "api_role",
            "'{value}' is not a role",
            {"value": str(value)[:80], "hint": "use viewer or operator"},
        )
    return value


def _globs(values: tuple[str, ...]) -> tuple[str, ...]:
    if not values:
        raise PydanticCustomError(
            "api_apps_empty", "the list is empty", {"hint": "list App names or patterns, or '*'"}
        )
    for value in values:
        if not _GLOB.fullmatch(value):
            raise PydanticCustomError(
                "api_apps_glob",
                "'{value}' is not an App name or glob pattern",
                {
                    "value": value[:80],
                    "hint": "use lower-case letters, digits, '-', '.' and the wildcards * ? [...]",
                },
            )
    return values


class ApiTokenSpec(ConfigModel):
    """``spec`` of an ``ApiToken``."""

    role: Annotated[ApiRole, BeforeValidator(_role)]
    """``viewer`` or ``operator``."""
    secret_ref: SecretRef
    """A Secret in the ApiToken's namespace whose key ``token`` is the bearer token."""
    apps: Annotated[tuple[str, ...], AfterValidator(_globs)] = ("*",)
    """Glob patterns of the App names the token may see (and, as operator, act on)."""


class ApiToken(ConfigObject):
    """A bearer token for ``/api/``: who (the name), what (role) and which Apps."""

    api_version: Literal["trueup.dev/v1alpha1"] = API_VERSION
    kind: Literal["ApiToken"] = "ApiToken"
    spec: ApiTokenSpec

"""The variables an App gives its substitution (``spec.substitute``).

Names are checked when the configuration loads, so a variable that no ``${...}`` could
ever name (``my-var``, ``1st``) is reported with its field instead of silently never
matching. Values are strings, as everywhere in Kubernetes: ``"3"``, not ``3``.
"""

from __future__ import annotations

import re
from typing import Annotated, Final

from pydantic import AfterValidator, StrictStr
from pydantic_core import PydanticCustomError

VARIABLE_NAME: Final = re.compile(r"[_a-zA-Z][_a-zA-Z0-9]*")
"""What a substitution variable may be called: the names ``${name}`` can refer to."""


def _check_variable(value: str) -> str:
    if not VARIABLE_NAME.fullmatch(value):
        raise PydanticCustomError(
            "variable_name",
            "'{value}' is not a variable name",
            {
                "value": value[:80],
                "hint": "use letters, digits and '_', not starting with a digit (APP_ENV)",
            },
        )
    return value


VariableName = Annotated[str, AfterValidator(_check_variable)]
"""A substitution variable's name, checked against :data:`VARIABLE_NAME`."""

Variables = dict[VariableName, StrictStr]
"""``spec.substitute``: variable names to their values."""

"""The API's error answers: a typed :class:`Problem` raised by a handler becomes
``{"error": {"code", "message"}}`` with its HTTP status (see :mod:`trueup.api.server`).

These are answers to a request, not failures of trueup: a handler raises one to say
"not found" or "not allowed", and nothing else catches it.
"""

from __future__ import annotations

from enum import Enum


class Code(Enum):
    """An error's code in the answer's body, with its HTTP status."""

    BAD_REQUEST = ("bad_request", 400)
    UNAUTHORIZED = ("unauthorized", 401)
    FORBIDDEN = ("forbidden", 403)
    NOT_FOUND = ("not_found", 404)
    CONFLICT = ("conflict", 409)
    UNAVAILABLE = ("unavailable", 503)
    INTERNAL = ("internal", 500)

    @property
    def text(self) -> str:
        """The code as written in the body, such as ``not_found``."""
        return self.value[0]

    @property
    def status(self) -> int:
        """The HTTP status that goes with the code."""
        return self.value[1]


class Problem(Exception):  # noqa: N818 - an answer, not an error of trueup
    """An answer other than success: its code and a message for the caller."""

    def __init__(self, code: Code, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def no_such_app(name: str) -> Problem:
    """The one answer for an App that does not exist and for one the caller may not see."""
    return Problem(Code.NOT_FOUND, f"App/{name} not found")

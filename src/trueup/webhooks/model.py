"""What a webhook request comes to: an :class:`Outcome`, its HTTP status, and a message."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Final

from trueup.config.receiver import HookEvent

MAX_BODY_BYTES: Final = 1024 * 1024
"""The largest body read (1 MiB); the server answers 413 to a longer one before reading it."""


class Outcome(Enum):
    """What the server does with a request, from the best to the worst for the sender."""

    ACCEPTED = "accepted"
    """A push this Receiver refreshes on: refresh the sources it concerns."""
    IGNORED = "ignored"
    """Authentic, but nothing to do: a ping, or an event ``spec.events`` leaves out."""
    BAD_REQUEST = "bad request"
    """A header or the body is malformed, or a field trueup needs is missing."""
    UNAUTHORIZED = "unauthorized"
    """The signature or token is missing or does not match the Receiver's secret."""
    TOO_LARGE = "too large"
    """The body is longer than :data:`MAX_BODY_BYTES`."""

    @property
    def status(self) -> int:
        """The HTTP status code of the answer."""
        return _STATUS[self]


_STATUS: Final = {
    Outcome.ACCEPTED: 200,
    Outcome.IGNORED: 200,
    Outcome.BAD_REQUEST: 400,
    Outcome.UNAUTHORIZED: 401,
    Outcome.TOO_LARGE: 413,
}


@dataclass(frozen=True, slots=True)
class Verdict:
    """The answer to one request.

    ``message`` is safe to send back and to log: it never holds the secret, a signature,
    or payload text beyond a checked ref. ``event`` and ``ref`` are set when the request
    is ACCEPTED: ``ref`` is the full ref pushed (``refs/heads/main``), or ``None`` when a
    generic hook names none, which concerns every source. A registry's notification has no
    ``ref`` but ``images``.
    """

    outcome: Outcome
    message: str
    event: HookEvent | None = None
    ref: str | None = None
    images: tuple[str, ...] = ()
    """The repositories (``org/app``) a registry's notification reports pushes to."""

    @property
    def status(self) -> int:
        """The HTTP status code of the answer."""
        return self.outcome.status

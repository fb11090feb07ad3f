"""Turn git's stderr into the right error type and a short, clean message.

Pure. git runs with ``LC_ALL=C`` so its messages are English and stable. A fault the
same call may survive later (network, 5xx, 429, an HTML page instead of the Git protocol,
a timeout) is a :class:`SourceUnavailableError`; a problem the user must fix (credentials,
host key, missing repository or ref) is a :class:`SourceError`.
"""

from __future__ import annotations

import re
from enum import StrEnum

from trueup.errors import SourceError, SourceUnavailableError, TrueupError

MAX_DETAIL = 400


class Fault(StrEnum):
    """What a failed git command most likely ran into."""

    UNAVAILABLE = "unavailable"
    AUTH = "auth"
    HOST_KEY = "host-key"
    NOT_FOUND = "not-found"
    OTHER = "other"


# Checked in order: the more specific patterns first, because git follows an ssh
# "Permission denied" with the same generic "Could not read from remote repository"
# that a refused connection produces.
_RULES: tuple[tuple[Fault, re.Pattern[str]], ...] = (
    (Fault.HOST_KEY, re.compile(r"Host key verification failed|REMOTE HOST IDENTIFICATION")),
    (
        Fault.AUTH,
        re.compile(
            r"Authentication failed|Permission denied|could not read (Username|Password)"
            r"|returned error: 40[13]\b|terminal prompts disabled|Invalid username or password"
        ),
    ),
    (
        Fault.NOT_FOUND,
        re.compile(
            r"repository '.*' not found|returned error: 404\b|does not appear to be a git "
            r"repository|not our ref|couldn't find remote ref|no such remote ref"
            r"|unadvertised object|not a valid object name"
        ),
    ),
    (
        Fault.UNAVAILABLE,
        re.compile(
            r"Could not resolve host|Failed to connect|Connection refused|Connection timed out"
            r"|Operation timed out|timed out|returned error: (5\d\d|429)\b|RPC failed"
            r"|early EOF|remote end hung up|unexpected disconnect|Connection reset"
            r"|Empty reply from server|not valid: is this a git repository|invalid server"
            r"|expected flush|protocol error|SSL_ERROR_SYSCALL|Connection closed by"
            r"|kex_exchange_identification|Could not read from remote repository"
            r"|transfer closed|Recv failure|Send failure|network is unreachable"
        ),
    ),
)

_ADVICE = {
    Fault.UNAVAILABLE: "trueup keeps the last good revision and retries",
    Fault.AUTH: "check the source's credentials and that they may read this repository",
    Fault.HOST_KEY: "check the known_hosts lines configured for this source",
    Fault.NOT_FOUND: "check the repository URL and ref",
    Fault.OTHER: "see git's message above",
}


def classify(stderr: str) -> Fault:
    """The most likely fault behind a failed git command, from its stderr."""
    for fault, pattern in _RULES:
        if pattern.search(stderr):
            return fault
    return Fault.OTHER


def summarise(stderr: str) -> str:
    """The meaningful lines of git's stderr, joined and cut to a readable length."""
    lines = [line.strip() for line in stderr.splitlines()]
    useful = [line for line in lines if line and not line.startswith("hint:")]
    text = "; ".join(useful) or "no message"
    return text if len(text) <= MAX_DETAIL else text[: MAX_DETAIL - 3] + "..."


def error_for(what: str, stderr: str) -> TrueupError:
    """The error to raise when git failed doing ``what`` (already redacted text only)."""
    fault = classify(stderr)
    detail = summarise(stderr)
    if fault is Fault.AUTH:
        # git's own words ("could not read Username ... terminal prompts disabled") hide
        # that the server asked for credentials it did not get or did not accept.
        detail = f"the server refused the credentials, or none were configured (git: {detail})"
    message = f"{what} failed: {detail} ({_ADVICE[fault]})"
    if fault is Fault.UNAVAILABLE:
        return SourceUnavailableError(message)
    return SourceError(message)

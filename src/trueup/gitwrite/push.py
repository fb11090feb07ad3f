"""Read what ``git push --porcelain`` says happened to the one ref pushed.

Pure. Porcelain output is meant for programs: one line per ref, ``<flag>\\t<from>:<to>\\t
<summary>``, where flag ``!`` marks a refusal and the summary says why: ``[rejected]
(fetch first)`` or ``(non-fast-forward)`` when the branch moved under us (worth fetching
and re-applying), ``[rejected] (stale info)`` when a lease no longer holds, and
``[remote rejected] (<reason>)`` when the server refused the update itself (a protected
branch, a hook, a permission): no retry changes that.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Outcome(StrEnum):
    """What happened to the pushed ref."""

    PUSHED = "pushed"
    MOVED = "moved"
    """The branch has commits we do not: fetch, re-apply, push again."""
    STALE = "stale"
    """A force-with-lease found the branch somewhere other than expected."""
    REFUSED = "refused"
    """The server refused the update for a reason a retry does not change."""
    UNKNOWN = "unknown"
    """No status line for the ref: git failed before pushing (network, credentials)."""


@dataclass(frozen=True)
class PushStatus:
    """The outcome for one ref and git's reason, as it wrote it (``''`` when none)."""

    outcome: Outcome
    reason: str = ""


_MOVED_REASONS = ("fetch first", "non-fast-forward")


def push_status(porcelain: str, ref: str) -> PushStatus:
    """The status of ``ref`` (``refs/heads/<branch>``) in ``git push --porcelain`` output."""
    for line in porcelain.splitlines():
        parts = line.split("\t")
        if len(parts) < 3 or len(parts[0]) != 1:
            continue
        flag, refs, summary = parts[0], parts[1], parts[2]
        if refs.rpartition(":")[2] != ref:
            continue
        reason = _reason(summary)
        if flag != "!":
            return PushStatus(Outcome.PUSHED)
        if summary.startswith("[rejected]"):
            if reason == "stale info":
                return PushStatus(Outcome.STALE, reason)
            if reason in _MOVED_REASONS:
                return PushStatus(Outcome.MOVED, reason)
        return PushStatus(Outcome.REFUSED, reason or summary.strip())
    return PushStatus(Outcome.UNKNOWN)


def _reason(summary: str) -> str:
    """The text in parentheses after the bracketed summary, if any."""
    start = summary.find("(")
    end = summary.rfind(")")
    return summary[start + 1 : end].strip() if 0 <= start < end else ""

"""``trueup history`` as a table, from the attempts' plain data.

The table is drawn from the data ``-o json`` prints (``Attempt.as_data``), whether it was
read from the store or from a running daemon's API, so both print alike.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from trueup.cli.formats import table
from trueup.cli.status import ERROR_WIDTH, short

HISTORY_COLUMNS = (
    "STARTED (UTC)",
    "TRIGGER",
    "TARGET",
    "REVISION",
    "AUTHOR",
    "SUBJECT",
    "RESULT",
    "CHANGES",
    "TOOK",
    "ERROR",
)
SUBJECT_WIDTH = 40
"""Long commit subjects wrap at this width instead of widening the whole table."""


def history_row(attempt: Mapping[str, Any]) -> tuple[str, ...]:
    """One attempt's row under :data:`HISTORY_COLUMNS`; '-' where the commit is not known."""
    commit = attempt.get("commit") or {}
    started = datetime.fromisoformat(attempt["startedAt"])
    return (
        started.strftime("%Y-%m-%d %H:%M:%S"),
        attempt["trigger"],
        attempt["target"] or "-",
        short(attempt["revision"]),
        commit.get("author") or "-",
        commit.get("subject") or "-",
        attempt["result"],
        attempt["summary"],
        f"{attempt['durationSeconds']:.1f}s",
        attempt["error"],
    )


def print_history(attempts: Sequence[Mapping[str, Any]]) -> None:
    """The attempts as a table, newest first as given; subjects and errors wrap."""
    table(
        HISTORY_COLUMNS,
        [history_row(a) for a in attempts],
        max_widths={"SUBJECT": SUBJECT_WIDTH, "ERROR": ERROR_WIDTH},
    )

"""The daemon's log: one line per event, JSON for machines, plain words on a terminal."""

from __future__ import annotations

from typing import TextIO

import orjson

from trueup.daemon.events import Event


def json_line(event: Event) -> str:
    """``event`` as one JSON object: time, level, event, app, revision, objects, message and
    its fields."""
    record: dict[str, object] = {
        "time": event.at.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "level": event.level.value,
        "event": event.kind.value,
    }
    if event.app is not None:
        record["app"] = event.app
    if event.revision is not None:
        record["revision"] = event.revision
    if event.objects:
        record["objects"] = list(event.objects)
    record.update(event.fields)
    record["message"] = event.message
    return orjson.dumps(record).decode()


def human_line(event: Event) -> str:
    """``event`` for a person: time, event, app, message and ``key=value`` details."""
    named = {"revision": event.revision, "objects": ", ".join(event.objects), **event.fields}
    details = " ".join(f"{k}={v}" for k, v in named.items() if v not in (None, ""))
    app = f" App/{event.app}" if event.app else ""
    level = "" if event.level.value == "info" else f" {event.level.value.upper()}"
    text = f"{event.at:%H:%M:%S}{level} {event.kind.value}{app}: {event.message}"
    shown = f"{text} ({details})" if details else text
    # Messages quote git and the API server: never let them move the cursor.
    return "".join(c if c.isprintable() else f"\\x{ord(c):02x}" for c in shown)


class LogWriter:
    """Writes every event to ``stream``: JSON lines, or human lines when ``human``."""

    def __init__(self, stream: TextIO, *, human: bool) -> None:
        self._stream = stream
        self._format = human_line if human else json_line

    def __call__(self, event: Event) -> None:
        """Write ``event`` as one line and flush, so a crash loses nothing already logged."""
        self._stream.write(self._format(event) + "\n")
        self._stream.flush()

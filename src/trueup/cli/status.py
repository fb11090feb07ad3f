"""What ``trueup status`` knows of each App: the configuration, the history and the last
comparison with the target, and how old that comparison is.

Status is recorded state, not live state: every row says when it was last confirmed
against the target (the end of the last sync or diff that compared it). ``--live``
compares first.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import datetime

from trueup.cli.formats import table
from trueup.config import LoadedConfig
from trueup.rollback.shown import commit_of, describe_pin
from trueup.store import Attempt, AttemptResult, Confirmation, Owner, Pin, Schedule, Store
from trueup.words import counted

STATUS_COLUMNS = ("APP", "REVISION", "SYNC", "HEALTH", "CONFIRMED (UTC)", "NEXT (UTC)", "ERROR")
_STATUS_KEYS = ("app", "revision", "sync", "health", "confirmedAt", "nextReconcile", "error")
ERROR_WIDTH = 72
"""Long errors wrap at this width instead of widening the whole table."""


def configured_apps(config: LoadedConfig) -> dict[str, str]:
    """Every App of the configuration by name: '' for a valid one, else why it is invalid.

    An App the loader refused (for itself, or for a source or Secret it names) is listed
    with every issue reported against it.
    """
    apps = {app.metadata.name: "" for app in config.apps}
    for issue in config.errors:
        kind, _, rest = issue.object.partition("/")
        if kind == "App" and rest:
            name = rest.rpartition("/")[2]
            apps[name] = "; ".join(filter(None, (apps.get(name), str(issue))))
    return dict(sorted(apps.items()))


async def removed_apps(store: Store, configured: Collection[str]) -> list[str]:
    """The Apps the store knows that the configuration no longer has but that still own
    objects: status lists them as ``Removed`` until ``trueup delete`` takes them away."""
    return [
        name
        for name in await store.apps()
        if name not in configured and await store.inventory_target(name)
    ]


def unknown_app(name: str, known: Collection[str], where: str = "the configuration") -> str:
    """The message for an App that is not known, listing the known ones (as ``sync`` does)."""
    listed = ", ".join(sorted(known)) or "none"
    return f"App/{name} is not in {where} (apps: {listed})"


async def status_data(
    store: Store,
    names: list[str],
    *,
    invalid: Mapping[str, str] | None = None,
    suspended: Collection[str] = (),
    removed: Collection[str] = (),
    heads: Mapping[str, str | None] | None = None,
) -> list[dict[str, str]]:
    """The status of each App named, from the store (see :func:`status_row`).

    ``suspended`` are the Apps suspended by configuration; those suspended with
    ``trueup suspend`` are read from the store. ``removed`` are Apps the store knows and
    the configuration no longer has. ``heads``: the revision each App's source ref is at
    now, as far as known, to compare a pinned App with (see :func:`_pinned`).
    """
    invalid = dict(invalid or {})
    # Each kind of record is read once for every App named (not once per App): a list of
    # 1,000 Apps is a handful of reads.
    by_hand = await store.suspensions()
    pins = await store.pins()
    planned = await store.schedules(names)
    lasts = await store.last_attempts(names)
    goods = await store.last_successful_attempts(names)
    confirmed = await store.confirmations(names)
    alive = _Alive()
    for name in removed:
        invalid[name] = (
            "not in the configuration any more; its objects stay where they are until "
            f"`trueup delete {name}` (with --cascade, deleting them too)"
        )
    rows = []
    for name in names:
        row = status_row(
            name,
            lasts.get(name),
            goods.get(name),
            confirmed.get(name),
            invalid=invalid.get(name, ""),
            suspended=name in suspended or name in by_hand,
        )
        schedule = planned.get(name)
        if schedule is not None and not alive(schedule.owner):
            schedule = None  # its daemon has stopped: nothing is planned, no drift known
        row["nextReconcile"] = _next(schedule)
        drifted = schedule.drifted if schedule is not None else 0
        if drifted and row["sync"] in ("Synced", "OutOfSync"):
            row["sync"] = f"Drifted ({counted(drifted, 'object')})"
        if name in removed:
            row["sync"] = "Removed"
        elif (hand := by_hand.get(name)) is not None and not row["error"]:
            why = f": {hand.reason}" if hand.reason else ""
            row["error"] = f"suspended by {hand.by} at {_time(hand.at)} UTC{why}"
        elif (pin := pins.get(name)) is not None and row["sync"] != "Invalid":
            await _pinned(store, row, pin, (heads or {}).get(name), lasts.get(name))
        rows.append(row)
    return rows


class _Alive:
    """Whether the daemon process written in a schedule still runs, asked once per process
    (every App a daemon plans names the same one)."""

    def __init__(self) -> None:
        self._known: dict[str, bool] = {}

    def __call__(self, owner: str) -> bool:
        if owner not in self._known:
            parsed = Owner.parse(owner)
            self._known[owner] = parsed is not None and not parsed.gone()
        return self._known[owner]


async def _pinned(
    store: Store, row: dict[str, str], pin: Pin, head: str | None, last: Attempt | None
) -> None:
    """A pinned App's row: ``OutOfSync`` unless Git's ref is at the pinned commit now (an
    unknown head counts as elsewhere), and the pin said in the error column, with a note
    when the values read from the cluster differ from those recorded for the pin."""
    at_head = head is not None and commit_of(head) == pin.commit
    if not at_head:
        row["sync"] = "OutOfSync"
    notes = [describe_pin(pin)]
    if head is not None and not at_head:
        notes.append(f"Git is at {head}")
    if last is not None and last.id is not None and last.revision == pin.revision:
        now = await store.recorded_inputs(last.id)
        recorded = pin.inputs.values_digests
        if now is not None and recorded and now.values_digests != recorded:
            notes.append("values read from the cluster differ from those recorded for the pin")
    row["error"] = "; ".join(filter(None, [row["error"], *notes]))


async def status_rows(store: Store, names: list[str]) -> list[tuple[str, ...]]:
    """The status of each App as table rows under :data:`STATUS_COLUMNS`."""
    return rows(await status_data(store, names))


def rows(data: list[dict[str, str]]) -> list[tuple[str, ...]]:
    """Status data as table rows under :data:`STATUS_COLUMNS`."""
    return [tuple(_cell(key, row[key]) for key in _STATUS_KEYS) for row in data]


def print_table(data: list[dict[str, str]]) -> None:
    """Status data as a table; long errors wrap in their column."""
    table(STATUS_COLUMNS, rows(data), max_widths={"ERROR": ERROR_WIDTH})


def status_row(
    name: str,
    last: Attempt | None,
    good: Attempt | None,
    confirmed: Confirmation | None,
    *,
    invalid: str = "",
    suspended: bool = False,
) -> dict[str, str]:
    """One App's status.

    Sync is ``Invalid`` (the error says why) or ``Suspended`` by configuration; otherwise
    it is what the last comparison with the target found (``Synced`` or ``OutOfSync``),
    unless an attempt started after it: then ``Synced`` if that attempt synced the whole
    App and succeeded, ``OutOfSync`` if it failed after reading its revision or synced
    named objects only (the others may still differ, until the next comparison), and
    ``Unknown`` if the source could not be read or the attempt is still running. The
    revision shown is the last one applied, which stays in place when an attempt fails.
    """
    finished = last if last is not None and last.result.finished else None
    if invalid:
        sync = "Invalid"
    elif suspended:
        sync = "Suspended"
    elif confirmed is not None and (last is None or confirmed.confirmed_at >= last.started_at):
        sync = "Synced" if confirmed.in_sync else "OutOfSync"
    elif finished is not None and finished.result is AttemptResult.SUCCEEDED and not finished.only:
        sync = "Synced"
    elif finished is not None and finished.revision:
        sync = "OutOfSync"
    else:
        sync = "Unknown"
    health = (
        (confirmed.health if confirmed is not None else "")
        or (finished.health if finished is not None else "")
        or (good.health if good is not None else "")
        or "Unknown"
    )
    error = invalid or (finished.error if finished is not None else "")
    if last is not None and not last.result.finished:
        error = error or f"a sync is running since {_time(last.started_at)} ({last.owner})"
    return {
        "app": name,
        "target": (last.target if last is not None else "") or "",
        "revision": (good.revision if good is not None else None) or "-",
        "sync": sync,
        "health": health,
        "lastSync": finished.finished_at.isoformat(timespec="seconds") if finished else "never",
        "confirmedAt": confirmed.confirmed_at.isoformat(timespec="seconds")
        if confirmed
        else "never",
        "reason": (finished.reason.value if finished and finished.reason else ""),
        "nextReconcile": "",
        "error": error,
    }


def _time(value: datetime) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S")


def _next(schedule: Schedule | None) -> str:
    """When the daemon reconciles the App next ('' when no running daemon plans it: the
    caller passes only the schedules of running daemons)."""
    if schedule is None or schedule.next_at is None:
        return ""
    return schedule.next_at.isoformat(timespec="seconds")


def _cell(key: str, value: str) -> str:
    if key == "revision":
        return short(value)
    if key in ("confirmedAt", "nextReconcile"):
        return value[:19].replace("T", " ") or "-"
    return value


def short(revision: str | None) -> str:
    """``main@sha1:0123456789ab`` for tables; JSON and YAML keep the whole revision."""
    if not revision:
        return "-"
    name, _, sha = revision.rpartition(":")
    return f"{name}:{sha[:12]}" if name else revision[:12]

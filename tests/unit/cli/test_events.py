"""``trueup events`` on a store the daemon wrote: oldest first, per App, as JSON, bounded."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson
from typer.testing import CliRunner

from trueup.cli.main import typer_app
from trueup.errors import ConfigError
from trueup.store import EventKind, EventRecord, Severity, SqliteStore

WIDE = {"COLUMNS": "200", "NO_COLOR": "1", "TERM": "dumb"}
T0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
REVISION = "main@sha1:" + "b" * 40


def write_events(store: Path) -> None:
    async def write() -> None:
        async with await SqliteStore.open(store) as opened:
            await opened.record_events(
                [
                    EventRecord(T0, None, EventKind.STARTED, Severity.INFO, "reconciling 2 apps"),
                    EventRecord(
                        T0 + timedelta(seconds=1),
                        "shop",
                        EventKind.DRIFTED,
                        Severity.WARNING,
                        "ConfigMap/shop/settings: .data.color changed by kubectl-edit; reverted",
                        revision=REVISION,
                        objects=("ConfigMap/shop/settings",),
                        fields={"trigger": "daemon:drift"},
                    ),
                    EventRecord(
                        T0 + timedelta(seconds=2),
                        "blog",
                        EventKind.RECONCILED,
                        Severity.INFO,
                        "nothing to change",
                    ),
                ]
            )

    asyncio.run(write())


def invoke(tmp_path: Path, *args: str) -> tuple[int, str]:
    store = tmp_path / "state.db"
    if not store.exists():
        write_events(store)
    config = tmp_path / "trueup.yaml"
    config.write_text("")
    argv = ["--config", str(config), "--store", str(store), "events", *args]
    result = CliRunner().invoke(typer_app, argv, env=WIDE)
    return result.exit_code, result.output


def test_the_table_lists_every_event_oldest_first(tmp_path: Path) -> None:
    code, text = invoke(tmp_path)
    assert code == 0, text
    lines = text.splitlines()
    assert lines[0].split() == ["TIME", "(UTC)", "APP", "SEVERITY", "REASON", "REVISION", "MESSAGE"]
    assert "daemon.started" in lines[1]
    assert "app.drifted" in lines[2]
    assert "main@sha1:bbbbbbbbbbbb " in lines[2]
    assert "reconcile.succeeded" in lines[3]


def test_json_shows_one_apps_events_with_revision_and_objects(tmp_path: Path) -> None:
    code, text = invoke(tmp_path, "shop", "-o", "json")
    assert code == 0, text
    assert orjson.loads(text) == [
        {
            "id": 2,
            "time": "2025-03-01T12:00:01.000000Z",
            "app": "shop",
            "revision": REVISION,
            "severity": "warning",
            "reason": "app.drifted",
            "message": "ConfigMap/shop/settings: .data.color changed by kubectl-edit; reverted",
            "objects": ["ConfigMap/shop/settings"],
            "fields": {"trigger": "daemon:drift"},
        }
    ]


def test_limit_keeps_the_most_recent(tmp_path: Path) -> None:
    code, text = invoke(tmp_path, "--limit", "2", "-o", "json")
    assert code == 0, text
    assert [e["reason"] for e in orjson.loads(text)] == ["app.drifted", "reconcile.succeeded"]


def test_an_app_known_nowhere_is_a_configuration_error(tmp_path: Path) -> None:
    write_events(tmp_path / "state.db")
    config = tmp_path / "trueup.yaml"
    config.write_text("")
    argv = ["--config", str(config), "--store", str(tmp_path / "state.db"), "events", "nope"]
    result = CliRunner().invoke(typer_app, argv, env=WIDE)
    assert isinstance(result.exception, ConfigError)  # `trueup` prints it and exits 2
    assert "App/nope is not in the configuration" in str(result.exception)

"""What build, diff and sync print, from values: apply order, diff entries, daemon notes, tables."""

from __future__ import annotations

import io
import sys
from types import MappingProxyType
from typing import Any

import pytest

from trueup.cli.build_output import build_rows, in_apply_order
from trueup.cli.diff_output import diff_entries
from trueup.cli.formats import table
from trueup.cli.notes import daemon_settings_note
from trueup.cli.output import error, notice, out
from trueup.config import App, GitSource
from trueup.engine import SyncReport
from trueup.objects import Object, Origin, object_id
from trueup.plan import MASK_AFTER, MASK_BEFORE
from trueup.render import Rendered
from trueup.words import counted


def obj(kind: str, name: str, namespace: str | None = None, **extra: Any) -> Object:
    metadata: dict[str, Any] = {"name": name}
    if namespace:
        metadata["namespace"] = namespace
    api = "apps/v1" if kind == "Deployment" else "v1"
    return {"apiVersion": api, "kind": kind, "metadata": metadata, **extra}


def test_build_lists_objects_in_apply_order_with_their_stage_and_file() -> None:
    rendered_objects = (
        obj("Deployment", "web"),
        obj("ConfigMap", "settings"),
        obj("Namespace", "shop"),
    )
    rendered = Rendered(
        rendered_objects,
        MappingProxyType(
            {object_id(o): Origin("apps/web.yaml", i + 1) for i, o in enumerate(rendered_objects)}
        ),
    )
    # As Engine.desired returns them: one for one, namespaces defaulted.
    prepared = (
        obj("Deployment", "web", "shop"),
        obj("ConfigMap", "settings", "shop"),
        obj("Namespace", "shop"),
    )

    rows = build_rows(in_apply_order(rendered, prepared))

    assert rows == [
        ("Namespace", "-", "shop", "cluster", "apps/web.yaml:3"),
        ("ConfigMap", "shop", "settings", "resources", "apps/web.yaml:2"),
        ("Deployment", "shop", "web", "resources", "apps/web.yaml:1"),
    ]


def test_diff_data_lists_each_change_with_masked_sides_and_its_diff_text() -> None:
    secret_before = obj("Secret", "creds", "shop", data={"password": "b2xk"})
    secret_after = obj("Secret", "creds", "shop", data={"password": "bmV3"})
    created = obj("ConfigMap", "new", "shop", data={"a": "1"})
    same = obj("ConfigMap", "same", "shop", data={"a": "1"})
    gone = obj("ConfigMap", "gone", "shop")
    report = SyncReport(
        app="web",
        revision="main@sha1:" + "a" * 40,
        diffs={
            object_id(secret_after): (secret_before, secret_after),
            object_id(created): (None, created),
            object_id(same): (same, same),
        },
        deletions={object_id(gone): gone},
    )

    entries = diff_entries(report)

    assert [(e["object"], e["action"]) for e in entries] == [
        ("ConfigMap/shop/new", "create"),
        ("Secret/shop/creds", "configure"),
        ("ConfigMap/shop/gone", "prune"),
    ]
    create, secret, prune = entries
    assert (create["live"], create["desired"]["data"]) == (None, {"a": "1"})
    assert secret["live"]["data"] == {"password": MASK_BEFORE}
    assert secret["desired"]["data"] == {"password": MASK_AFTER}
    assert "b2xk" not in str(entries)
    assert "bmV3" not in str(entries)
    assert secret["diff"].startswith("--- live/Secret/shop/creds\n+++ desired/Secret/shop/creds")
    assert (prune["live"]["metadata"]["name"], prune["desired"]) == ("gone", None)


def app(**spec: Any) -> App:
    return App.model_validate(
        {"apiVersion": "trueup.dev/v1alpha1", "kind": "App", "metadata": {"name": "web"}}
        | {"spec": {"source": "deploy", **spec}}
    )


def source(**spec: Any) -> GitSource:
    return GitSource.model_validate(
        {"apiVersion": "trueup.dev/v1alpha1", "kind": "GitSource", "metadata": {"name": "deploy"}}
        | {"spec": {"url": "https://git.example.test/deploy.git", **spec}}
    )


def test_sync_notes_the_daemon_settings_an_app_sets() -> None:
    note = daemon_settings_note(app(interval="1m", selfHeal=False), source(interval="30s"))

    assert note == (
        "App/web spec.interval, App/web spec.selfHeal, GitSource/deploy spec.interval apply "
        "under the daemon (trueup serve), not to this one-shot sync; to correct drift without "
        "the daemon, run trueup sync again"
    )
    assert daemon_settings_note(app(selfHeal=True), source()) is not None


def test_sync_says_nothing_of_daemon_settings_left_at_their_defaults() -> None:
    assert daemon_settings_note(app(prune=False, wait=True), source()) is None


def test_counts_are_written_in_the_singular_for_one() -> None:
    assert [counted(n, "stage") for n in (0, 1, 2)] == ["0 stages", "1 stage", "2 stages"]
    assert counted(1, "dependency", "dependencies") == "1 dependency"
    assert counted(3, "dependency", "dependencies") == "3 dependencies"


def test_a_table_aligns_columns_two_spaces_apart_and_wraps_only_the_limited_column(
    capsys: pytest.CaptureFixture[str],
) -> None:
    long_object = "ConfigMap/a-namespace-with-a-long-name/settings-of-the-web-frontend"
    rows = [
        ("ConfigMap/shop/web", "created", ""),
        (long_object, "failed", "the API server refused it: " + "a reason that goes on " * 3),
    ]
    table(("OBJECT", "ACTION", "REASON"), rows, max_widths={"REASON": 30})
    lines = capsys.readouterr().out.splitlines()

    width = len(long_object)
    assert lines[0] == "OBJECT".ljust(width) + "  ACTION   REASON"
    assert lines[1] == "ConfigMap/shop/web".ljust(width) + "  created"
    assert lines[2].startswith(long_object + "  failed   the API server refused it:")
    reason = [line[width + 11 :] for line in lines[2:]]
    assert all(len(part) <= 30 for part in reason)
    assert " ".join(reason).split() == rows[1][2].split(), "wrapped at spaces, nothing cut"
    assert all(line[: width + 11].strip() == "" for line in lines[3:])
    assert all(line == line.rstrip() for line in lines)


def test_a_table_without_rows_prints_its_header(capsys: pytest.CaptureFixture[str]) -> None:
    table(("NAME", "STATUS"), [])
    assert capsys.readouterr().out == "NAME  STATUS\n"


def test_labels_and_headers_are_styled_on_a_terminal_unless_no_color(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    monkeypatch.delenv("NO_COLOR", raising=False)
    error("the API server refused it")
    monkeypatch.setenv("NO_COLOR", "1")
    error("the API server refused it")
    assert terminal.getvalue().splitlines() == [
        "\x1b[1;31merror:\x1b[0m the API server refused it",
        "error: the API server refused it",
    ]


def test_nothing_is_styled_or_wrapped_in_a_pipe(capsys: pytest.CaptureFixture[str]) -> None:
    long_line = "x" * 400
    out.print(long_line, style="bold")
    notice(long_line)
    captured = capsys.readouterr()
    assert captured.out == long_line + "\n"
    assert captured.err == f"note: {long_line}\n"


def test_control_characters_in_messages_and_cells_never_reach_the_terminal(
    capsys: pytest.CaptureFixture[str],
) -> None:
    quoted = "fatal: \x1b[2Jrefused\rall good\x07"
    error(quoted)
    table(("OBJECT", "REASON"), [("ConfigMap/shop/web", "line one\nline two \x1b[31mred")])
    captured = capsys.readouterr()

    assert captured.err == "error: fatal: \\x1b[2Jrefused\\x0dall good\\x07\n"
    assert captured.out.splitlines()[1] == ("ConfigMap/shop/web  line one line two \\x1b[31mred")
    assert "\x1b" not in captured.out + captured.err

"""The command line as people read it: help screens, durations, flag pairs, usage errors."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from trueup.cli.main import typer_app
from trueup.cli.options import duration

WIDE = {"COLUMNS": "200", "NO_COLOR": "1", "TERM": "dumb"}


def invoke(*args: str) -> tuple[int, str]:
    """Run ``trueup ARGS`` in-process; its exit code and everything it printed."""
    result = CliRunner().invoke(typer_app, list(args), env=WIDE)
    return result.exit_code, result.output


def command_paths() -> list[tuple[str, ...]]:
    """Every command and sub-command of ``trueup``, and ``trueup`` itself."""
    paths: list[tuple[str, ...]] = [()]
    group = typer.main.get_command(typer_app)
    for name, command in getattr(group, "commands", {}).items():
        paths.append((name,))
        paths.extend((name, sub) for sub in getattr(command, "commands", {}))
    return paths


@pytest.mark.parametrize("path", command_paths(), ids=lambda p: " ".join(p) or "trueup")
def test_every_help_screen_names_values_and_shows_no_type_placeholders(
    path: tuple[str, ...],
) -> None:
    code, text = invoke(*path, "--help")

    assert code == 0, text
    for placeholder in ("<bool>", "<str>", "<float>", "<int", "<path>", "{", "}"):
        assert placeholder not in text, f"{placeholder} in trueup {' '.join(path)} --help"


@pytest.mark.parametrize("command", ["build", "diff", "sync", "history"])
def test_commands_on_one_app_show_it_as_app_in_their_usage(command: str) -> None:
    code, text = invoke(command, "--help")

    assert code == 0, text
    assert f"Usage: trueup {command} [OPTIONS] APP" in text


def test_sync_has_a_flag_pair_for_waiting_and_takes_a_duration_as_timeout() -> None:
    code, text = invoke("sync", "--help")

    assert code == 0, text
    assert "--wait" in text
    assert "--no-wait" in text
    assert "--timeout" in text
    assert "DURATION" in text
    assert "--ignore-dependencies" in text


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("90s", timedelta(seconds=90)),
        ("2m", timedelta(minutes=2)),
        ("1m30s", timedelta(seconds=90)),
    ],
)
def test_a_duration_on_the_command_line_reads_as_in_the_configuration(
    text: str, value: timedelta
) -> None:
    assert duration(text) == value


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ("30", "'30' has no unit; write a duration such as 90s, 2m or 1m30s"),
        ("soon", "'soon' is not a duration"),
        ("0s", "0s is not allowed: the duration must be more than zero"),
        ("-5s", "-5s is not allowed: the duration must be more than zero"),
    ],
)
def test_a_bad_timeout_is_a_usage_error_that_says_how_to_write_one(
    given: str, message: str
) -> None:
    code, text = invoke("sync", "web", f"--timeout={given}")

    assert code == 2, text
    assert message in " ".join(text.split())


def test_diff_refuses_a_table_and_names_the_formats_it_prints() -> None:
    code, text = invoke("diff", "web", "-o", "table")

    assert code == 2, text
    assert "diff prints a diff, not a table; use -o json or -o yaml" in " ".join(text.split())


def test_an_optional_argument_is_shown_in_capitals_and_in_brackets() -> None:
    code, text = invoke("status", "--help")

    assert code == 0, text
    assert "Usage: trueup status [OPTIONS] [APP]" in text
    assert " app " not in text


CONFIG = """\
apiVersion: trueup.dev/v1alpha1
kind: GitSource
metadata: {name: deploy}
spec: {url: "https://git.example.test/deploy.git"}
---
apiVersion: trueup.dev/v1alpha1
kind: App
metadata: {name: web}
spec: {source: deploy}
"""


def test_a_timeout_for_a_sync_that_does_not_wait_is_refused_before_anything_runs(
    tmp_path: Path,
) -> None:
    config = tmp_path / "trueup.yaml"
    config.write_text(CONFIG)
    store = tmp_path / "trueup.db"

    code, text = invoke(
        "--config", str(config), "--store", str(store), "sync", "web", "--timeout", "2m"
    )

    assert code == 2, text
    assert (
        "Invalid value for --timeout: only a sync that waits uses it: add --wait (or "
        "spec.wait: true to App/web)" in " ".join(text.split())
    )

"""What scripts and CI rely on: ``diff`` exit codes, the JSON of ``sync``, ``status`` and
``history``, and configuration errors that name file, line, object and field, exit 2 and
print no traceback."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

import pytest
import yaml

import trueup
from tests.integration.engine.helpers import APP, World, run_trueup, trueup_argv, trueup_env
from tests.servers.git_http import Fault, GitHttpServer

SYNC_FIELDS = {
    "app",
    "revision",
    "summary",
    "health",
    "error",
    "failure",
    "changes",
    "objects",
    "warnings",
    "plan",
    "only",
}
CHANGE_FIELDS = {"object", "action", "reason"}
STATUS_FIELDS = {
    "app",
    "target",
    "revision",
    "sync",
    "health",
    "lastSync",
    "confirmedAt",
    "reason",
    "nextReconcile",
    "error",
}
HISTORY_FIELDS = {
    "id",
    "app",
    "startedAt",
    "finishedAt",
    "revision",
    "trigger",
    "result",
    "summary",
    "health",
    "durationSeconds",
    "error",
    "reason",
    "target",
    "owner",
    "commit",
    "changes",
    "only",
}
COMMIT_FIELDS = {"sha", "author", "email", "subject", "committedAt"}


@pytest.mark.cluster
def test_diff_exits_1_on_a_difference_0_when_in_sync_and_2_when_it_cannot_tell(
    world: World, git_https: GitHttpServer
) -> None:
    different = world.cli("diff", APP)
    assert different.code == 1, str(different)
    assert f"+++ desired/Deployment/{world.namespace}/web" in different.stdout
    assert world.names("deployment") == set(), "diff must not apply anything"

    world.sync()
    same = world.cli("diff", APP)
    assert (same.code, same.stdout.strip()) == (0, ""), str(same)

    unknown = world.cli("diff", "nope")
    assert unknown.code == 2, str(unknown)
    assert "App/nope is not in the configuration (apps: web)" in unknown.stderr
    git_https.set_fault(Fault.DOWN)
    unreachable = world.cli("diff", APP)
    assert unreachable.code == 2, str(unreachable)
    assert "error: GitSource/deploy: " in unreachable.stderr
    for run in (different, same, unknown, unreachable):
        assert "Traceback" not in run.output

    attempts = world.cli("history", APP, "-o", "json").json()
    assert len(attempts) == 1, "only the sync is recorded, never a diff"


@pytest.mark.cluster
def test_sync_status_and_history_print_json_with_the_documented_fields(world: World) -> None:
    sha = world.repo.work.head()

    sync = world.sync("--wait", "-o", "json").json()
    status = world.cli("status", "-o", "json").json()
    status_yaml = yaml.safe_load(world.cli("status", "-o", "yaml").stdout)
    history = world.cli("history", APP, "-o", "json").json()

    assert set(sync) == SYNC_FIELDS
    assert (sync["app"], sync["revision"], sync["health"], sync["error"]) == (
        APP,
        f"main@sha1:{sha}",
        "Healthy",
        "",
    )
    assert sync["failure"] is None
    assert sync["only"] == [], "a whole sync names no chosen objects"
    assert sync["summary"] == "3 created"
    assert all(set(change) == CHANGE_FIELDS for change in sync["changes"])
    assert set(sync["objects"].values()) == {"Healthy"}
    assert set(sync["objects"]) == {change["object"] for change in sync["changes"]}
    planned = [oid for stage in sync["plan"]["stages"] for oid in stage["objects"]]
    assert sorted(planned) == sorted(sync["objects"])
    assert sync["plan"]["summary"]["toPrune"] == 0

    assert status == status_yaml
    assert [set(row) for row in status] == [STATUS_FIELDS]
    assert (status[0]["sync"], status[0]["health"]) == ("Synced", "Healthy")
    datetime.fromisoformat(status[0]["lastSync"])
    assert status[0]["confirmedAt"] >= status[0]["lastSync"]
    assert status[0]["target"] == history[0]["target"]

    assert [set(attempt) for attempt in history] == [HISTORY_FIELDS]
    attempt = history[0]
    assert attempt["revision"] == sync["revision"]
    assert attempt["changes"] == sync["changes"]
    assert (attempt["result"], attempt["summary"], attempt["health"]) == (
        "succeeded",
        "3 created",
        "Healthy",
    )
    assert attempt["trigger"].startswith("cli:")
    assert set(attempt["commit"]) == COMMIT_FIELDS
    assert (attempt["commit"]["sha"], attempt["commit"]["subject"]) == (sha, "Add the web app")
    assert attempt["commit"]["author"] == "Test Author"
    assert datetime.fromisoformat(attempt["commit"]["committedAt"]).tzinfo is not None
    started = datetime.fromisoformat(attempt["startedAt"])
    finished = datetime.fromisoformat(attempt["finishedAt"])
    assert started.tzinfo is not None
    assert started <= finished
    assert 0 < attempt["durationSeconds"] < 120


BROKEN_CONFIG = """\
apiVersion: trueup.dev/v1alpha1
kind: GitSource
metadata:
  name: deploy
spec:
  url: https://127.0.0.1:9/deploy.git
---
apiVersion: trueup.dev/v1alpha1
kind: App
metadata:
  name: web
spec:
  source: deploy
  path: deploy
  prune: maybe
  intervall: 5m
"""


@pytest.mark.parametrize("command", [["sync", APP], ["diff", APP], ["build", APP]])
def test_a_config_error_names_file_line_object_and_field_and_exits_2_without_a_traceback(
    tmp_path: Path, git_cache: Path, command: list[str]
) -> None:
    config = tmp_path / "trueup.yaml"
    config.write_text(BROKEN_CONFIG)
    argv = trueup_argv("--config", str(config), "--store", str(tmp_path / "t.db"), *command)

    run = run_trueup(argv, trueup_env(git_cache))

    assert run.code == 2, str(run)
    assert run.stdout == ""
    assert "App/web cannot be used; the configuration says:" in run.stderr
    assert f"{config}:15: App/web: spec.prune: expected true or false" in run.stderr
    assert f"{config}:16: App/web: spec.intervall: unknown field (did you mean 'interval'?)" in (
        run.stderr
    )
    assert "Traceback" not in run.stderr


@pytest.mark.cluster
def test_a_suspended_app_is_not_synced_and_the_error_says_how_to_resume_it(world: World) -> None:
    world.write_config(app={"suspend": True})
    suspended = world.cli("sync", APP)
    assert suspended.code == 2, str(suspended)
    assert "App/web is suspended (spec.suspend: true)" in suspended.stderr
    assert world.names("deployment") == set(), "a suspended app must not be applied"
    assert world.cli("history", APP, "-o", "json").json() == []

    world.write_config(app={"suspend": False})
    assert world.sync().code == 0
    assert world.names("deployment") == {"web"}


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["sync"], "Missing argument"),
        (["sync", "web", "--no-such-option"], "No such option"),
        (["no-such-command"], "No such command"),
    ],
)
def test_usage_errors_exit_2_with_a_message_and_no_traceback(
    tmp_path: Path, args: list[str], says: str
) -> None:
    run = run_trueup(trueup_argv(*args), trueup_env(tmp_path))
    assert run.code == 2, str(run)
    assert says in run.stderr
    assert "Traceback" not in run.output


def test_version_prints_the_version_and_exits_0(tmp_path: Path) -> None:
    run = run_trueup(trueup_argv("--version"), trueup_env(tmp_path))
    assert (run.code, run.stdout.strip()) == (0, trueup.__version__), str(run)


@pytest.mark.cluster
def test_the_sync_table_lists_what_changed_and_counts_the_unchanged(world: World) -> None:
    first = world.sync()
    listed = re.search(rf"^Deployment/{world.namespace}/web\s+created", first.stdout, re.MULTILINE)
    assert listed, first.stdout
    second = world.sync()
    assert "OBJECT" not in second.stdout, "unchanged objects are not listed"
    assert f"{APP} main@sha1:" in second.stdout
    assert "3 unchanged" in second.stdout


@pytest.mark.cluster
def test_a_broken_app_is_left_out_with_a_warning_and_the_others_still_sync(world: World) -> None:
    broken = {
        "apiVersion": "trueup.dev/v1alpha1",
        "kind": "App",
        "metadata": {"name": "broken"},
        "spec": {"source": "deploy", "interval": "soon"},
    }
    world.config.write_text(yaml.safe_dump_all([*world.documents(), broken]))

    synced = world.cli("sync", APP)
    assert synced.code == 0, str(synced)
    assert "warning: " in synced.stderr
    assert "App/broken: spec.interval" in synced.stderr
    assert "(left out)" in synced.stderr
    assert world.names("deployment") == {"web"}

    refused = world.cli("sync", "broken")
    assert refused.code == 2, str(refused)
    assert "App/broken cannot be used; the configuration says:" in refused.stderr
    assert "spec.interval" in refused.stderr

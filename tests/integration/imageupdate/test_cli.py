"""``trueup images update``: the diff a dry run would commit, then the commit itself."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from tests.integration.gitwrite.helpers import show
from tests.integration.imageupdate.conftest import Setup
from trueup.cli.main import typer_app
from trueup.errors import TrueupError

ENV = {"COLUMNS": "200", "NO_COLOR": "1", "TERM": "dumb"}


def run(setup: Setup, *args: str) -> tuple[int, str, str]:
    store = setup.config_path.parent / "state.db"
    argv = ["--config", str(setup.config_path), "--store", str(store), "images", *args]
    result = CliRunner().invoke(typer_app, argv, env=ENV)
    if isinstance(result.exception, TrueupError):
        return 2, "", str(result.exception)
    return result.exit_code, result.stdout, result.stderr


def test_a_dry_run_prints_the_diff_then_update_commits_it(setup: Setup) -> None:
    setup.push_tags("1.1.0", "2.0.0")
    before = setup.head()

    code, out, err = run(setup, "update", "--scan", "--dry-run")

    assert code == 1, out + err  # something to commit, as trueup diff says
    assert "--- a/apps/web/deployment.yaml" in out
    assert f"+          image: {setup.image}:1.1.0 #" in out
    assert '+  tag: "1.1.0" #' in out
    assert setup.head() == before, "a dry run commits nothing"

    code, out, _ = run(setup, "update")

    assert code == 0, out
    commit = setup.head()
    assert commit != before
    assert f"ImageUpdate/deploy-repo: pushed {commit} to branch main" in out
    assert "apps/web/values.yaml:3: 1.0.0 → 1.1.0" in out
    assert f"{setup.image}:1.1.0" in show(setup.repo.bare, "apps/web/deployment.yaml")

    code, out, _ = run(setup, "update", "deploy-repo", "-o", "json")
    assert code == 0, out
    [result] = json.loads(out)
    assert result["update"] == "ImageUpdate/deploy-repo"
    assert [b["pushed"] for b in result["branches"]] == [False]
    assert setup.head() == commit


def test_update_has_help_of_its_own(setup: Setup) -> None:
    code, out, _ = run(setup, "update", "--help")
    assert code == 0
    assert "--dry-run" in out
    assert "Usage: trueup images update [OPTIONS] [NAME]" in " ".join(out.split())


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("update", "nope"), "no ImageUpdate named 'nope'"),
        (("update", "--bogus"), "No such option: --bogus"),
        (("app", "--dry-run"), "No such option: --dry-run"),
    ],
)
def test_bad_arguments_are_refused(setup: Setup, args: tuple[str, ...], message: str) -> None:
    code, out, err = run(setup, *args)
    assert code == 2
    assert message in out + err

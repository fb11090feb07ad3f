"""``trueup preview`` and ``trueup diff --ref`` against a repository served over HTTPS, with
no cluster: what a branch changes, App by App, and nothing recorded anywhere."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.integration.engine.helpers import configmap, manifest
from tests.integration.preview.helpers import Repo, make_repo
from tests.servers.fixtures import ServedRepo
from tests.servers.git_http import GitHttpServer


@pytest.fixture
def repo(git_https: GitHttpServer, git_repo: ServedRepo, git_cache: Path, tmp_path: Path) -> Repo:
    return make_repo(git_https, git_repo, git_cache, tmp_path)


WEB_GREEN = manifest(configmap("web-settings", {"color": "green"}))


def test_preview_lists_exactly_what_a_branch_changes_per_app(repo: Repo) -> None:
    commit = repo.branch(
        "feature", {"apps/web/settings.yaml": WEB_GREEN, "apps/api/service.yaml": None}
    )

    run = repo.cli("preview", "--ref", "feature", "-o", "json")

    assert run.code == 0, str(run)
    data = run.json()
    assert data["ref"] == f"feature@sha1:{commit}"
    assert data["base"].startswith("main@sha1:")
    apps = {app["app"]: app for app in data["apps"]}
    assert sorted(apps) == ["api", "web"]
    assert data["unaffected"] == ["docs"]
    assert [(c["object"], c["change"]) for c in apps["web"]["changes"]] == [
        ("ConfigMap/web-settings", "changed")
    ]
    assert "-  color: blue\n+  color: green" in apps["web"]["changes"][0]["diff"]
    assert [(c["object"], c["change"]) for c in apps["api"]["changes"]] == [
        ("Service/api", "pruned")
    ]
    # Only the two touched Apps are rendered at the ref.
    assert "rendering 2 App(s) touched by" in run.stderr
    # Nothing recorded: no store was opened.
    assert not (repo.home / "trueup.db").exists()


def test_preview_prints_markdown_with_folded_diffs_in_a_fixed_order(repo: Repo) -> None:
    repo.branch("feature", {"apps/web/settings.yaml": WEB_GREEN, "apps/api/service.yaml": None})

    first = repo.cli("preview", "--ref", "feature")
    second = repo.cli("preview", "--ref", "feature")

    assert first.code == 0, str(first)
    assert first.stdout == second.stdout
    text = first.stdout
    assert text.startswith("### trueup preview: `feature@")
    assert "| `api` | 0 | 0 | 1 | changes |" in text
    assert "| `web` | 0 | 1 | 0 | changes |" in text
    assert text.index("#### `api`") < text.index("#### `web`")
    assert "<details><summary>Service/api (pruned)</summary>" in text
    assert "```diff\n--- base/ConfigMap/web-settings" in text
    assert "1 App(s) not touched: `docs`." in text


def test_preview_of_a_branch_that_breaks_an_app_reports_it_and_exits_1(repo: Repo) -> None:
    repo.branch("broken", {"apps/docs/settings.yaml": "kind: [unclosed\n"})

    run = repo.cli("preview", "--ref", "broken")

    assert run.code == 1, str(run)
    assert "| `docs` | 0 | 0 | 0 | render failed |" in run.stdout
    assert "App/docs" in run.stderr


def test_diff_ref_exits_1_for_a_difference_0_for_none_and_2_when_it_cannot_tell(
    repo: Repo,
) -> None:
    repo.branch("feature", {"apps/web/settings.yaml": WEB_GREEN})

    changed = repo.cli("diff", "web", "--ref", "feature")
    same = repo.cli("diff", "docs", "--ref", "feature")
    missing = repo.cli("diff", "web", "--ref", "no-such-branch")
    as_json = repo.cli("diff", "web", "--ref", "feature", "-o", "json")

    assert changed.code == 1, str(changed)
    assert "+++ ref/ConfigMap/web-settings" in changed.stdout
    assert "+  color: green" in changed.stdout
    assert same.code == 0, str(same)
    assert same.stdout == ""
    assert missing.code == 2, str(missing)
    assert "neither a branch nor a tag" in missing.stderr
    assert as_json.code == 1
    assert [(e["object"], e["action"]) for e in as_json.json()] == [
        ("ConfigMap/web-settings", "configure")
    ]
    assert not (repo.home / "trueup.db").exists()


def test_diff_ref_takes_a_tag_and_a_commit(repo: Repo) -> None:
    commit = repo.branch("feature", {"apps/web/settings.yaml": WEB_GREEN})
    repo.served.work.tag("v2", target=commit)
    repo.served.work.push(repo.served.bare, "refs/tags/v2:refs/tags/v2")

    by_tag = repo.cli("diff", "web", "--ref", "v2")
    by_commit = repo.cli("diff", "web", "--ref", commit)

    assert by_tag.code == 1, str(by_tag)
    assert by_commit.code == 1, str(by_commit)
    assert by_tag.stdout == by_commit.stdout

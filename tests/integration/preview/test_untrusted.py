"""A ref under review is untrusted: a branch that copies a Secret-backed variable into a
ConfigMap, or adds SOPS files, never shows a secret value (in stdout, stderr, or the
comment posted on its pull request); its comment is posted once and then updated in place;
``diff --ref --live`` compares the ref with the dev-cluster and records nothing."""

from __future__ import annotations

import base64
from collections.abc import Iterable
from pathlib import Path

import pytest

from tests.integration.engine.helpers import Run, configmap, manifest
from tests.integration.preview.helpers import Repo, make_repo
from tests.servers.cluster import Kube
from tests.servers.fixtures import ServedRepo
from tests.servers.forge import ForgeStub
from tests.servers.git_http import GitHttpServer
from tests.servers.gitrepo import git
from trueup.masking import MASK

CANARY = "preview-canary-secret-7e3b19c4"
SOPS = Path(__file__).parents[2] / "fixtures" / "sops"
SOPS_CANARIES = ("sops-canary-secret-3f9c2e71", "sops-canary-configmap-8b41d0a6")


@pytest.fixture
def repo(git_https: GitHttpServer, git_repo: ServedRepo, git_cache: Path, tmp_path: Path) -> Repo:
    return make_repo(git_https, git_repo, git_cache, tmp_path)


def assert_nowhere(canaries: Iterable[str], runs: Iterable[Run], texts: Iterable[str] = ()) -> None:
    """No canary, as written or in base64, in any run's output or in ``texts``."""
    runs, texts = list(runs), list(texts)
    for canary in canaries:
        for form in (canary, base64.b64encode(canary.encode()).decode()):
            for run in runs:
                assert form not in run.output, f"a secret value leaked into: {run}"
            for text in texts:
                assert form not in text, "a secret value leaked into a posted comment"


@pytest.mark.cluster
def test_a_branch_copying_a_secret_variable_into_a_configmap_shows_only_a_placeholder(
    repo: Repo, kube: Kube, namespace: str, forge_stub: ForgeStub
) -> None:
    kube.kubectl(
        "-n", namespace, "create", "secret", "generic", "web-secrets",
        f"--from-literal=DB_PASSWORD={CANARY}",
    )  # fmt: skip
    substitute = {"substituteFrom": [{"kind": "Secret", "name": "web-secrets"}]}
    repo.write_config({"web": substitute}, namespace=namespace)
    repo.kubeconfig = kube.kubeconfig
    leak = manifest(configmap("web-settings", {"color": "blue", "leaked": "${DB_PASSWORD}"}))
    repo.branch("leak", {"apps/web/settings.yaml": leak})

    forge_stub.seed_pull("gitea", "team/deploy", head="leak")
    post = (
        "--post", "gitea", "--repo", "team/deploy", "--forge-url", f"{forge_stub.url}/api/v1",
    )  # fmt: skip
    token = {"TRUEUP_FORGE_TOKEN": forge_stub.token}
    runs = [
        repo.cli("preview", "--ref", "leak", *post, env=token),
        repo.cli("preview", "--ref", "leak", "-o", "json"),
        repo.cli("diff", "web", "--ref", "leak"),
        repo.cli("diff", "web", "--ref", "leak", "--live"),
    ]
    notes = [note.body for note in forge_stub.notes("gitea", "team/deploy", 1)]

    assert [run.code for run in runs] == [0, 0, 1, 1], "\n".join(map(str, runs))
    assert "+  leaked: <secret>" in runs[0].stdout
    assert "+  leaked: <secret>" in runs[2].stdout
    assert len(notes) == 1
    assert "+  leaked: <secret>" in notes[0]
    assert_nowhere([CANARY], runs, notes)


def test_sops_files_at_the_ref_are_not_decrypted_and_show_as_placeholders(repo: Repo) -> None:
    keys = {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": "sops-keys"},
        "stringData": {"test.agekey": (SOPS / "test-only-age-key.txt").read_text()},
    }
    decryption = {"decryption": {"provider": "sops", "secretRef": {"name": "sops-keys"}}}
    repo.write_config({"web": decryption}, extra=[keys])
    files: dict[str, str | None] = {
        f"apps/web/{name}": (SOPS / "yaml" / name).read_text()
        for name in ("secret.yaml", "configmap.yaml")
    }
    repo.branch("encrypted", files)

    runs = [
        repo.cli("preview", "--ref", "encrypted"),
        repo.cli("diff", "web", "--ref", "encrypted", "-o", "yaml"),
    ]

    assert [run.code for run in runs] == [0, 1], "\n".join(map(str, runs))
    assert "ConfigMap/feature-flags (created)" in runs[0].stdout
    assert f"+  apiKey: '{MASK}'" in runs[0].stdout
    assert "ENC[" not in runs[0].stdout
    assert_nowhere(SOPS_CANARIES, runs)


def test_the_preview_comment_is_posted_once_and_then_updated_in_place(
    repo: Repo, forge_stub: ForgeStub
) -> None:
    repo.branch("feature", {"apps/web/settings.yaml": manifest(configmap("web-settings", {}))})

    forge_stub.seed_pull("github", "team/deploy", head="feature")
    post = (
        "preview", "--ref", "feature", "--post", "github", "--repo", "team/deploy",
        "--forge-url", f"{forge_stub.url}/api/v3",
    )  # fmt: skip
    env = {"TRUEUP_FORGE_TOKEN": forge_stub.token}
    first = repo.cli(*post, env=env)
    after_first = [note.body for note in forge_stub.notes("github", "team/deploy", 1)]
    work = repo.served.work
    git(["checkout", "--quiet", "feature"], cwd=work.path)
    (work.path / "apps/api/service.yaml").unlink()
    work.commit("Remove the api Service")
    work.push(repo.served.bare, "+feature:feature")
    git(["checkout", "--quiet", "main"], cwd=work.path)
    second = repo.cli(*post, env=env)
    after_second = [note.body for note in forge_stub.notes("github", "team/deploy", 1)]
    without_token = repo.cli(*post)

    assert first.code == 0, str(first)
    assert "posted the preview as a new comment on pull request #1" in first.stderr
    assert second.code == 0, str(second)
    assert "updated the preview comment on pull request #1" in second.stderr
    assert len(after_first) == 1
    assert len(after_second) == 1
    assert "#### `api`" not in after_first[0]
    assert "#### `api`" in after_second[0]
    assert "Service/api (pruned)" in after_second[0]
    assert after_second[0].startswith("<!-- trueup:preview:deploy -->\n### trueup preview")
    assert without_token.code == 2
    assert "TRUEUP_FORGE_TOKEN" in without_token.stderr


@pytest.mark.cluster
def test_diff_ref_live_compares_the_ref_with_the_cluster_and_records_nothing(
    repo: Repo, kube: Kube, namespace: str
) -> None:
    repo.write_config(namespace=namespace)
    repo.kubeconfig = kube.kubeconfig
    synced = repo.cli("sync", "docs")
    assert synced.code == 0, str(synced)
    new_title = manifest(configmap("docs-settings", {"title": "Handbook"}))
    repo.branch("retitle", {"apps/docs/settings.yaml": new_title})

    changed = repo.cli("diff", "docs", "--ref", "retitle", "--live")
    same = repo.cli("diff", "docs", "--ref", "main", "--live")
    history = repo.cli("history", "docs", "-o", "json")
    live = kube.kubectl("-n", namespace, "get", "configmap", "docs-settings", "-o", "yaml")

    assert changed.code == 1, str(changed)
    assert f"+++ desired/ConfigMap/{namespace}/docs-settings" in changed.stdout
    assert "+  title: Handbook" in changed.stdout
    assert same.code == 0, str(same)
    assert "title: Docs" in live
    assert len(history.json()) == 1, str(history)

"""A ``kubernetes.io/basic-auth`` Secret, as kubectl prints it, fetches and pushes over HTTPS."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.integration.config.kubectl import kubectl_secret
from tests.integration.gitwrite.helpers import head, show, writes
from tests.servers.fixtures import HTTP_PASSWORD, HTTP_USER, ServedRepo
from tests.servers.git_http import GitHttpServer
from trueup.config import LoadedConfig, load_config
from trueup.errors import SourceError
from trueup.gitwrite import WriteRequest, write
from trueup.gitwrite.from_config import writable_repository_for
from trueup.source import GitFetcher
from trueup.source.from_config import repository_for

pytestmark = pytest.mark.anyio


def configured(
    tmp_path: Path, server: GitHttpServer, repo: ServedRepo, password: str = HTTP_PASSWORD
) -> LoadedConfig:
    """A GitSource of ``repo`` that reads and writes with one basic-auth Secret, the Secret
    written by ``kubectl create secret generic --type=kubernetes.io/basic-auth``."""
    assert server.tls is not None
    ca_file = tmp_path / "ca.crt"
    ca_file.write_text(server.tls.ca_pem)
    printed = kubectl_secret(
        tmp_path,
        "generic",
        "git-basic",
        "--type=kubernetes.io/basic-auth",
        f"--from-literal=username={HTTP_USER}",
        f"--from-literal=password={password}",
        f"--from-file=ca.crt={ca_file}",
    )
    folder = tmp_path / "config"
    folder.mkdir()
    (folder / "git-basic.yaml").write_text(printed)
    (folder / "source.yaml").write_text(
        "apiVersion: trueup.dev/v1alpha1\nkind: GitSource\nmetadata: {name: deploy}\nspec:\n"
        f"  url: {server.url(repo.name)}\n"
        "  secretRef: {name: git-basic}\n"
        "  write: {secretRef: {name: git-basic}}\n"
    )
    config = load_config(folder)
    config.raise_if_invalid()
    return config


async def test_a_basic_auth_secret_fetches_over_https(
    git_https: GitHttpServer, git_repo: ServedRepo, tmp_path: Path
) -> None:
    config = configured(tmp_path, git_https, git_repo)
    git_https.clear_requests()

    artifact = await GitFetcher(tmp_path / "cache").fetch(repository_for(config.sources[0], config))

    assert artifact.commit == git_repo.work.head()
    assert (artifact.root / "app/config.yaml").read_text() == "replicas: 1\n"
    assert git_https.requests
    assert {r.user for r in git_https.requests} == {HTTP_USER}


async def test_a_basic_auth_secret_pushes_over_https(
    git_https: GitHttpServer, git_repo: ServedRepo, tmp_path: Path
) -> None:
    config = configured(tmp_path, git_https, git_repo)
    writable = writable_repository_for(config.sources[0], config)
    git_https.clear_requests()

    edit = writes({"app/config.yaml": "replicas: 5\n"})
    result = await write(writable, WriteRequest("main", "five", edit))

    assert result.pushed
    assert result.commit == head(git_repo.bare)
    assert show(git_repo.bare, "app/config.yaml") == "replicas: 5"
    assert {r.user for r in git_https.requests} == {HTTP_USER}


async def test_a_wrong_password_in_a_basic_auth_secret_is_refused_without_showing_it(
    git_https: GitHttpServer, git_repo: ServedRepo, tmp_path: Path
) -> None:
    config = configured(tmp_path, git_https, git_repo, password="wrong-pass-5d1e")

    with pytest.raises(SourceError, match="credentials") as raised:
        await GitFetcher(tmp_path / "cache").fetch(repository_for(config.sources[0], config))

    assert "wrong-pass-5d1e" not in str(raised.value)

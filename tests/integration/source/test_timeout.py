"""A GitSource's ``spec.timeout`` bounds its fetches, whatever the fetcher's default."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tests.integration.source.helpers import checkouts
from tests.servers.fixtures import HTTP_PASSWORD, HTTP_USER, ServedRepo
from tests.servers.git_http import Fault, GitHttpServer
from trueup.config import load_config
from trueup.errors import SourceUnavailableError
from trueup.source import GitFetcher, GitRepository
from trueup.source.from_config import repository_for

pytestmark = pytest.mark.anyio


def configured(
    tmp_path: Path, server: GitHttpServer, repo: ServedRepo, timeout: str | None
) -> GitRepository:
    """The repository a GitSource with ``spec.timeout`` (None: left out) describes."""
    assert server.tls is not None
    spec = {"url": server.url(repo.name), "secretRef": {"name": "creds"}}
    if timeout is not None:
        spec["timeout"] = timeout
    docs = [
        {
            "apiVersion": "trueup.dev/v1alpha1",
            "kind": "GitSource",
            "metadata": {"name": "deploy"},
            "spec": spec,
        },
        {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {"name": "creds"},
            "stringData": {
                "username": HTTP_USER,
                "password": HTTP_PASSWORD,
                "ca.crt": server.tls.ca_pem,
            },
        },
    ]
    file = tmp_path / "trueup.yaml"
    file.write_text(yaml.safe_dump_all(docs))
    config = load_config(file)
    config.raise_if_invalid()
    return repository_for(config.sources[0], config)


async def test_a_short_spec_timeout_stops_a_fetch_that_the_default_would_wait_for(
    git_https: GitHttpServer, git_repo: ServedRepo, tmp_path: Path
) -> None:
    repo = configured(tmp_path, git_https, git_repo, "1s")
    git_https.set_fault(Fault.SLOW)  # every request answered, after 1.5 s

    with pytest.raises(SourceUnavailableError, match="timed out after 1s") as raised:
        await GitFetcher(tmp_path / "cache").fetch(repo)

    assert "spec.timeout" in str(raised.value)
    assert checkouts(tmp_path / "cache") == []


async def test_a_long_spec_timeout_lets_a_slow_server_finish_past_the_default(
    git_https: GitHttpServer, git_repo: ServedRepo, tmp_path: Path
) -> None:
    repo = configured(tmp_path, git_https, git_repo, "2m")
    git_https.set_fault(Fault.SLOW)

    artifact = await GitFetcher(tmp_path / "cache", timeout=1).fetch(repo)

    assert artifact.commit == git_repo.work.head()
    assert any(artifact.root.iterdir())


async def test_a_source_without_spec_timeout_gets_sixty_seconds(
    git_https: GitHttpServer, git_repo: ServedRepo, tmp_path: Path
) -> None:
    assert configured(tmp_path, git_https, git_repo, None).timeout == 60

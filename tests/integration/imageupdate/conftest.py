"""A served Git repository with marked manifests, a real registry, and the configuration
that ties them together with an ImageUpdate."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.integration.engine.helpers import git_cache, world
from tests.integration.gitwrite.helpers import bare_git, head
from tests.servers.fixtures import ServedRepo
from tests.servers.git_http import GitHttpServer
from tests.servers.registry_images import ImageRegistry
from trueup.config import LoadedConfig, load_config
from trueup.daemon.images import scan_and_record
from trueup.store import MemoryStore, Store

__all__ = ["git_cache", "world"]

_names = itertools.count()

DEPLOYMENT = """\
# The web front end: comments, block scalars and flow style stay as they are.
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  annotations:
    description: >
      Folded text that a YAML round-trip
      would rewrap.
spec:
  replicas: 2 # kept
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
        - name: web
          image: IMAGE:1.0.0 # {"$imagepolicy": "default:app"}
          args: ["--port", '8080']   # flow style stays
"""

VALUES = """\
image:
  repository: IMAGE
  tag: "1.0.0" # {"$imagepolicy": "default:app:tag"}
greeting: héllo   # unrelated
"""


SEMVER_1: dict[str, Any] = {"policy": {"semver": {"range": ">=1.0.0 <2.0.0"}}}


@dataclass
class Setup:
    """The pieces of one test: repository, registry image, configuration and store."""

    repo: ServedRepo
    image: str
    """``host/name`` of the image in the registry."""
    registry: ImageRegistry
    config_path: Path
    store: Store
    config: LoadedConfig | None = None

    def push_tags(self, *tags: str) -> None:
        name = self.image.split("/", 1)[1]
        for tag in tags:
            self.registry.pusher.image(name, tag)

    async def scan(self) -> LoadedConfig:
        """Load the configuration and scan its ImageRepository into the store."""
        config = load_config(self.config_path)
        assert config.errors == (), [str(e) for e in config.errors]
        for repository in config.image_repositories:
            scan, _, _ = await scan_and_record(repository, config, self.store)
            assert scan.error == "", scan.error
        self.config = config
        return config

    @property
    def update(self) -> Any:
        assert self.config is not None
        return self.config.image_updates[0]

    def head(self, branch: str = "main") -> str:
        return head(self.repo.bare, branch)

    def diff(self, commit: str) -> str:
        """The patch of ``commit`` against its parent, without headers."""
        return bare_git(self.repo.bare, "show", "--format=", "--unified=0", commit)

    def message(self, commit: str) -> str:
        return bare_git(self.repo.bare, "log", "-1", "--format=%B", commit)

    def count(self, branch: str = "main") -> int:
        return int(bare_git(self.repo.bare, "rev-list", "--count", f"refs/heads/{branch}"))


def write_config(
    path: Path,
    source_url: str,
    image: str,
    *,
    update: dict[str, Any] | None = None,
    policy: dict[str, Any] | None = None,
    extra: tuple[dict[str, Any], ...] = (),
) -> None:
    def doc(kind: str, name: str, spec: dict[str, Any]) -> dict[str, Any]:
        return {"apiVersion": "trueup.dev/v1alpha1", "kind": kind, "metadata": {"name": name},
                "spec": spec}  # fmt: skip

    docs = [
        doc("GitSource", "deploy", {"url": source_url, "write": {}, "timeout": "20s"}),
        doc("ImageRepository", "app", {"image": image, "insecure": True, "timeout": "5s"}),
        doc("ImagePolicy", "app", {"imageRepository": "app", **(policy or SEMVER_1)}),
        doc("ImageUpdate", "deploy-repo", {"source": "deploy", "path": "apps", **(update or {})}),
        *extra,
    ]  # fmt: skip
    path.write_text(yaml.safe_dump_all(docs, sort_keys=False))


@pytest.fixture
def setup(
    tmp_path: Path, git_http: GitHttpServer, git_repo: ServedRepo, image_registry: ImageRegistry
) -> Setup:
    """A repository with marked files under ``apps`` for a fresh image at 1.0.0."""
    name = f"org/web{next(_names)}"
    image = f"{image_registry.host}/{name}"
    image_registry.pusher.image(name, "1.0.0")
    git_repo.commit_and_push(
        "add the web app",
        {
            "apps/web/deployment.yaml": DEPLOYMENT.replace("IMAGE", image),
            "apps/web/values.yaml": VALUES.replace("IMAGE", image),
            "other/outside.yaml": f'image: {image}:1.0.0 # {{"$imagepolicy": "default:app"}}\n',
        },
    )
    config_path = tmp_path / "trueup.yaml"
    write_config(config_path, git_http.url(git_repo.name), image)
    return Setup(git_repo, image, image_registry, config_path, MemoryStore())

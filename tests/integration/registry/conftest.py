"""Helpers for scanning the real registries of :mod:`tests.servers.registry_images`."""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from trueup.config import LoadedConfig, load_config
from trueup.config.image_repository import ImageRepository

_names = itertools.count()

Configure = Callable[..., tuple[LoadedConfig, ImageRepository]]


def unique_repository(prefix: str = "org/app") -> str:
    """A repository path no other test pushed to."""
    return f"{prefix}{next(_names)}"


@pytest.fixture
def configure(tmp_path: Path) -> Configure:
    """Write and load a configuration holding one ImageRepository ``app`` (and Secrets)."""

    def make(
        image: str,
        *,
        docker_config: str | None = None,
        secret_type: str = "Opaque",  # noqa: S107 - a Secret's type, not a password
        ca: str | None = None,
        **spec: Any,
    ) -> tuple[LoadedConfig, ImageRepository]:
        docs: list[dict[str, Any]] = []
        full: dict[str, Any] = {"image": image, "insecure": True, **spec}
        if docker_config is not None:
            full["secretRef"] = {"name": "regcred"}
            docs.append(
                {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "regcred"},
                 "type": secret_type, "stringData": {".dockerconfigjson": docker_config}}
            )  # fmt: skip
        if ca is not None:
            full["certSecretRef"] = {"name": "registry-ca"}
            full.pop("insecure")
            docs.append(
                {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "registry-ca"},
                 "stringData": {"ca.crt": ca}}
            )  # fmt: skip
        docs.insert(
            0,
            {"apiVersion": "trueup.dev/v1alpha1", "kind": "ImageRepository",
             "metadata": {"name": "app"}, "spec": full},
        )  # fmt: skip
        path = tmp_path / f"trueup-{next(_names)}.yaml"
        path.write_text(yaml.safe_dump_all(docs))
        config = load_config(path)
        assert config.errors == (), [str(e) for e in config.errors]
        return config, config.image_repositories[0]

    return make


def as_json(data: object) -> str:
    return json.dumps(data)

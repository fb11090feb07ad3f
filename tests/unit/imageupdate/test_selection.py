"""What each declared policy selects, from the tags the store keeps."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from types import MappingProxyType

import yaml

from trueup.config import LoadedConfig, load_config
from trueup.images import PolicyName
from trueup.imageupdate import images_of, selections
from trueup.store import ImageScan

NOW = datetime(2026, 1, 2, tzinfo=UTC)
DIGEST = "sha256:" + "ab" * 32


def config(tmp_path: Path) -> LoadedConfig:
    docs = [
        {"apiVersion": "trueup.dev/v1alpha1", "kind": "ImageRepository",
         "metadata": {"name": "app"}, "spec": {"image": "r.example.test/app"}},
        {"apiVersion": "trueup.dev/v1alpha1", "kind": "ImagePolicy", "metadata": {"name": "app"},
         "spec": {"imageRepository": "app", "policy": {"semver": {"range": "1.x"}}}},
        {"apiVersion": "trueup.dev/v1alpha1", "kind": "ImagePolicy",
         "metadata": {"name": "pinned", "namespace": "team"},
         "spec": {"imageRepository": "app", "policy": {"semver": {"range": "1.x"}},
                  "digest": True}},
        {"apiVersion": "trueup.dev/v1alpha1", "kind": "ImageRepository",
         "metadata": {"name": "app", "namespace": "team"}, "spec": {"image": "r.example.test/app"}},
    ]  # fmt: skip
    path = tmp_path / "trueup.yaml"
    path.write_text(yaml.safe_dump_all(docs))
    loaded = load_config(path)
    assert loaded.errors == (), loaded.errors
    return loaded


def scan(
    repository: str, tags: tuple[str, ...], digests: dict[str, str] | None = None
) -> ImageScan:
    return ImageScan(
        repository, "r.example.test/app", NOW, tags, MappingProxyType(digests or {}), tags_at=NOW
    )


def test_each_policy_selects_from_its_repositorys_last_good_scan(tmp_path: Path) -> None:
    found = selections(
        config(tmp_path),
        {
            "app": scan("app", ("1.0.0", "1.4.0", "2.0.0", "1.5.0-rc.1")),
            "team/app": scan("team/app", ("1.1.0",), {"1.1.0": DIGEST}),
        },
    )
    app = found[PolicyName("default", "app")]
    assert app.image is not None
    assert app.image.reference == "r.example.test/app:1.4.0"
    pinned = found[PolicyName("team", "pinned")]
    assert pinned.image is not None
    assert pinned.image.reference == f"r.example.test/app:1.1.0@{DIGEST}"


def test_a_policy_whose_repository_was_never_scanned_selects_nothing_yet(tmp_path: Path) -> None:
    found = selections(config(tmp_path), {"team/app": scan("team/app", ("1.1.0",))})
    assert images_of(found) == {
        PolicyName("default", "app"): None,
        PolicyName("team", "pinned"): None,  # the digest is not known yet
    }
    assert "not been scanned" in found[PolicyName("default", "app")].reason
    assert "digest is not known" in found[PolicyName("team", "pinned")].reason


def test_tags_scanned_under_another_image_are_not_used(tmp_path: Path) -> None:
    other = ImageScan("app", "r.example.test/old", NOW, ("1.9.0",), tags_at=NOW)
    found = selections(config(tmp_path), {"app": other})
    assert found[PolicyName("default", "app")].image is None

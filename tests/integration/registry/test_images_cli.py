"""``trueup images``: scanning now, showing the store's cache, and the exit code."""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from typer.testing import CliRunner

from tests.integration.registry.conftest import unique_repository
from tests.servers.registry_images import ImageRegistry, RegistryFront
from trueup.cli.main import typer_app
from trueup.errors import TrueupError


def write_config(tmp_path: Path, image: str, *policies: dict[str, object]) -> Path:
    path = tmp_path / "trueup.yaml"
    doc = {
        "apiVersion": "trueup.dev/v1alpha1",
        "kind": "ImageRepository",
        "metadata": {"name": "app"},
        "spec": {"image": image, "insecure": True, "timeout": "2s"},
    }
    path.write_text(yaml.safe_dump_all([doc, *policies]))
    return path


def policy(name: str, semver: str, *, digest: bool = False) -> dict[str, object]:
    return {
        "apiVersion": "trueup.dev/v1alpha1",
        "kind": "ImagePolicy",
        "metadata": {"name": name},
        "spec": {"imageRepository": "app", "policy": {"semver": {"range": semver}},
                 "digest": digest},
    }  # fmt: skip


WIDE = {"COLUMNS": "200", "NO_COLOR": "1", "TERM": "dumb"}


def run(tmp_path: Path, *args: str) -> tuple[int, str]:
    config, store = tmp_path / "trueup.yaml", tmp_path / "state.db"
    argv = ["--config", str(config), "--store", str(store), "images", *args]
    result = CliRunner().invoke(typer_app, argv, env=WIDE)
    if isinstance(result.exception, TrueupError):
        return 2, str(result.exception)  # what the entry point prints, exiting 2
    return result.exit_code, result.output


def test_images_scans_on_request_then_shows_the_cache(
    tmp_path: Path, image_registry: ImageRegistry, plain_front: RegistryFront
) -> None:
    name = unique_repository()
    for tag in ("1.0.0", "1.2.0", "1.10.0"):
        image_registry.pusher.image(name, tag)
    write_config(tmp_path, f"{plain_front.host}/{name}")

    code, before = run(tmp_path)
    assert code == 0, before
    assert "never (try --scan)" in before

    code, scanned = run(tmp_path, "--scan", "-o", "json")
    assert code == 0, scanned
    [row] = json.loads(scanned)
    assert (row["repository"], row["tags"]) == ("app", 3)
    assert row["latest"] == ["1.10.0", "1.2.0", "1.0.0"]

    code, table = run(tmp_path)
    assert code == 0, table
    header, line = table.splitlines()[:2]
    assert header.split() == [
        *("REPOSITORY", "IMAGE", "TAGS", "NEWEST", "LAST", "SCAN", "(UTC)", "SELECTED", "ERROR")
    ]
    assert line.split()[:3] == ["app", f"{plain_front.host}/{name}", "3"]
    assert "1.10.0, 1.2.0, 1.0.0" in line


def test_images_shows_what_each_policy_selects_with_the_digest_it_pins(
    tmp_path: Path, image_registry: ImageRegistry, plain_front: RegistryFront
) -> None:
    name = unique_repository()
    push = image_registry.pusher.image  # a distinct arch per tag: a distinct digest per tag
    digests = {tag: push(name, tag, arch=tag) for tag in ("1.0.0", "1.2.0", "2.0.0")}
    write_config(
        tmp_path,
        f"{plain_front.host}/{name}",
        policy("one", ">=1.0.0 <2.0.0", digest=True),
        policy("three", ">=3.0.0"),
    )

    code, scanned = run(tmp_path, "--scan", "-o", "json")

    assert code == 0, scanned
    [row] = json.loads(scanned)
    one, three = row["policies"]
    assert (one["policy"], one["tag"], one["digest"]) == ("default:one", "1.2.0", digests["1.2.0"])
    assert (three["policy"], three["tag"], three["digest"]) == ("default:three", None, None)
    assert three["reason"]
    code, table = run(tmp_path)
    assert "default:one → 1.2.0, default:three → none" in table


def test_images_exits_1_and_shows_the_error_when_a_scan_fails(
    tmp_path: Path, plain_front: RegistryFront
) -> None:
    write_config(tmp_path, f"{plain_front.host}/{unique_repository()}")
    plain_front.behaviour.fault = "html502"

    code, output = run(tmp_path, "--scan")

    assert code == 1
    assert "answered 502 (an HTML error page)" in output
    assert "<html" not in output.lower()


def test_an_unknown_repository_exits_2_naming_the_known_ones(
    tmp_path: Path, plain_front: RegistryFront
) -> None:
    write_config(tmp_path, f"{plain_front.host}/{unique_repository()}")

    code, output = run(tmp_path, "nope")

    assert code == 2
    assert "no ImageRepository named 'nope'" in output
    assert "(known: app)" in output

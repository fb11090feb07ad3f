"""Binaries are cached by everything that decides them, and rebuilt only when that changes."""

from __future__ import annotations

from pathlib import Path

import pytest

from trueup import gobuild
from trueup.devcluster.paths import go_sources
from trueup.errors import ToolBuildError
from trueup.gobuild import cache_key, module_version


def make_module(root: Path, source: str = "package main\n") -> Path:
    root.mkdir()
    (root / "go.mod").write_text("module example\n\nrequire k8s.io/kubernetes v1.36.3\n")
    (root / "go.sum").write_text("")
    (root / "main.go").write_text(source)
    return root


def test_the_cache_key_is_stable_for_the_same_inputs(tmp_path: Path) -> None:
    module = make_module(tmp_path / "m")
    assert cache_key(module, "go1.26.8", "-s") == cache_key(module, "go1.26.8", "-s")


@pytest.mark.parametrize(
    ("go_version", "ldflags", "source"),
    [
        ("go1.27.0", "-s", "package main\n"),
        ("go1.26.8", "-s -w", "package main\n"),
        ("go1.26.8", "-s", "package main\n\nfunc main() {}\n"),
    ],
)
def test_the_cache_key_changes_when_any_input_changes(
    tmp_path: Path, go_version: str, ldflags: str, source: str
) -> None:
    base = cache_key(make_module(tmp_path / "a"), "go1.26.8", "-s")
    assert cache_key(make_module(tmp_path / "b", source), go_version, ldflags) != base


def test_module_versions_are_read_from_go_mod(tmp_path: Path) -> None:
    module = make_module(tmp_path / "m")
    assert module_version(module, "k8s.io/kubernetes") == "v1.36.3"
    with pytest.raises(ToolBuildError, match=r"no requirement on sigs\.k8s\.io/kwok"):
        module_version(module, "sigs.k8s.io/kwok")


def test_the_shipped_kubernetes_module_pins_every_staging_module_to_the_same_release() -> None:
    kube = go_sources() / "kube"
    version = module_version(kube, "k8s.io/kubernetes")
    minor_patch = version.removeprefix("v1.")
    replaces = [
        line.split()
        for line in (kube / "go.mod").read_text().splitlines()
        if "=>" in line and line.strip().startswith("k8s.io/")
    ]
    assert len(replaces) >= 31
    for name, _arrow, target, pinned in replaces:
        assert name == target
        assert pinned == f"v0.{minor_patch}", name


def test_a_binary_found_once_is_not_hashed_again_in_this_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRUEUP_CACHE_DIR", str(tmp_path / "cache"))
    module = make_module(tmp_path / "tool")
    key = gobuild.cache_key(module, gobuild._go_version(gobuild._go()), gobuild.STRIPPED)
    built = tmp_path / "cache" / "bin" / f"tool-{key}"
    built.parent.mkdir(parents=True)
    built.write_text("a cached binary")

    assert gobuild.ensure_binary(module, print) == built

    def no_hashing(*_args: object) -> str:
        raise AssertionError("hashed again")

    monkeypatch.setattr(gobuild, "cache_key", no_hashing)
    assert gobuild.ensure_binary(module, print) == built

"""load_config over YAML fixtures: each problem reported with file, line, object and field."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from trueup.config import ConfigIssue, LoadedConfig, load_config
from trueup.errors import ConfigError

FIXTURES = Path(__file__).parent / "fixtures"
CASES: list[dict[str, Any]] = yaml.safe_load((FIXTURES / "invalid.yaml").read_text())


def write_files(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)


def loaded_ids(config: LoadedConfig) -> list[str]:
    return sorted(str(o.id) for o in (*config.sources, *config.apps, *config.secrets))


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_each_problem_is_one_issue_and_the_rest_keeps_loading(
    case: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_files(tmp_path, case["files"])
    monkeypatch.chdir(tmp_path)
    config = load_config(
        Path("config.yaml") if list(case["files"]) == ["config.yaml"] else Path(".")
    )
    assert [str(issue) for issue in config.errors] == case["issues"]
    assert loaded_ids(config) == sorted(case["loaded"])


def test_raise_if_invalid_lists_every_issue_one_per_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    case = next(c for c in CASES if c["name"].startswith("dependsOn cycles"))
    write_files(tmp_path, case["files"])
    monkeypatch.chdir(tmp_path)
    config = load_config(Path("config.yaml"))
    with pytest.raises(ConfigError) as raised:
        config.raise_if_invalid()
    lines = str(raised.value).splitlines()
    assert lines[0] == "the configuration has 6 problems:"
    assert [line.strip() for line in lines[1:]] == case["issues"]


def test_a_valid_configuration_raises_nothing() -> None:
    config = load_config(FIXTURES / "valid" / "full.yaml")
    assert config.errors == ()
    assert config.ok
    config.raise_if_invalid()


def test_a_folder_is_read_recursively_in_sorted_order_skipping_hidden_and_other_files() -> None:
    root = FIXTURES / "valid" / "tree"
    config = load_config(root)
    assert config.errors == ()
    assert [str(a.id) for a in config.apps] == ["App/db", "App/web"]
    assert [str(s.id) for s in config.sources] == ["GitSource/main"]
    web = config.apps[1]
    origin = config.origin(web.id)
    assert origin is not None
    assert (origin.file, origin.line) == (root / "apps" / "b-web.yaml", 1)
    assert config.source_of(web).spec.url == "https://git.example.com/org/main.git"


def test_a_missing_path_is_a_config_error_naming_it(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"nowhere\.yaml: no such file or folder"):
        load_config(tmp_path / "nowhere.yaml")


def test_a_file_larger_than_the_limit_is_refused_and_others_still_load(tmp_path: Path) -> None:
    (tmp_path / "a-huge.yaml").write_text("# padding\n" * 500_000)
    (tmp_path / "b.yaml").write_text(
        "apiVersion: trueup.dev/v1alpha1\nkind: GitSource\nmetadata: {name: main}\n"
        "spec: {url: 'https://git.example.com/org/main.git'}\n"
    )
    config = load_config(tmp_path)
    assert [str(i) for i in config.errors] == [
        f"{tmp_path / 'a-huge.yaml'}: is larger than 4 MiB (split it into several files)"
    ]
    assert loaded_ids(config) == ["GitSource/main"]


def test_deep_nesting_is_refused_before_composing(tmp_path: Path) -> None:
    (tmp_path / "deep.yaml").write_text("a: " + "[" * 500 + "]" * 500 + "\n")
    config = load_config(tmp_path / "deep.yaml")
    assert [str(i) for i in config.errors] == [
        f"{tmp_path / 'deep.yaml'}:1: nesting deeper than 64 levels "
        "(split or simplify the manifests)"
    ]


def test_extreme_nesting_is_an_issue_not_a_crash(tmp_path: Path) -> None:
    (tmp_path / "deep.yaml").write_text("a: " + "[" * 1_000_000 + "]" * 1_000_000 + "\n")
    config = load_config(tmp_path / "deep.yaml")
    assert [(i.line, i.object) for i in config.errors] == [(1, "")]


def test_a_file_that_is_not_utf8_is_refused(tmp_path: Path) -> None:
    (tmp_path / "latin1.yaml").write_bytes("kind: App # caf\xe9\n".encode("latin-1"))
    config = load_config(tmp_path / "latin1.yaml")
    assert [i.message for i in config.errors] == ["is not UTF-8 text"]


@pytest.mark.parametrize(
    ("issue", "text"),
    [
        (
            ConfigIssue(Path("a.yaml"), 3, "App/web", "spec.path", "bad", "fix it"),
            "a.yaml:3: App/web: spec.path: bad (fix it)",
        ),
        (
            ConfigIssue(Path("a.yaml"), None, "", "", "is not UTF-8 text", ""),
            "a.yaml: is not UTF-8 text",
        ),
        (
            ConfigIssue(Path("a.yaml"), 7, "App/shop/web", "", "too long", "shorten it"),
            "a.yaml:7: App/shop/web: too long (shorten it)",
        ),
    ],
)
def test_an_issue_prints_as_file_line_object_field_message_and_hint(
    issue: ConfigIssue, text: str
) -> None:
    assert str(issue) == text

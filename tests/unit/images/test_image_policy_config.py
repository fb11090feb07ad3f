"""The ImagePolicy kind: loaded into the rules select_for applies, and every mistake reported
naming the file, the object and what to do."""

from __future__ import annotations

from pathlib import Path

import pytest

from trueup.config import LoadedConfig, load_config
from trueup.images import Alphabetical, Numerical, Order, PolicyName, Semver, select_for

REPOSITORY = """\
apiVersion: trueup.dev/v1alpha1
kind: ImageRepository
metadata: {name: app}
spec: {image: registry.example.test/org/app}
"""


def load(tmp_path: Path, policies: str, repository: str = REPOSITORY) -> LoadedConfig:
    (tmp_path / "images.yaml").write_text(repository + "---\n" + policies)
    return load_config(tmp_path)


def policy_doc(name: str, spec: str, namespace: str = "") -> str:
    meta = f"{{name: {name}, namespace: {namespace}}}" if namespace else f"{{name: {name}}}"
    return f"apiVersion: trueup.dev/v1alpha1\nkind: ImagePolicy\nmetadata: {meta}\nspec:\n{spec}\n"


def test_a_semver_policy_loads_into_the_rule_select_for_applies(tmp_path: Path) -> None:
    config = load(
        tmp_path,
        policy_doc("app", "  imageRepository: app\n  policy: {semver: {range: '>=1.0.0 <2.0.0'}}"),
    )
    assert config.errors == ()
    (policy,) = config.image_policies
    assert policy.marker_name == PolicyName("default", "app")
    rules = policy.rules
    assert isinstance(rules.rule, Semver)
    assert rules.filter is None
    assert rules.digest is False
    assert select_for(rules, ["1.0.0", "1.9.0", "2.0.0"]).tag == "1.9.0"


def test_numerical_with_filter_tags_and_digest_loads_with_every_field(tmp_path: Path) -> None:
    spec = (
        "  imageRepository: app\n"
        "  policy: {numerical: {order: desc}}\n"
        "  filterTags: {pattern: '^main-[a-f0-9]+-(?P<ts>[0-9]+)$', extract: '$ts'}\n"
        "  digest: true"
    )
    config = load(
        tmp_path,
        policy_doc("app", spec, namespace="team"),
        REPOSITORY.replace("{name: app}", "{name: app, namespace: team}"),
    )
    assert config.errors == ()
    (policy,) = config.image_policies
    assert policy.marker_name == PolicyName("team", "app")
    rules = policy.rules
    assert rules.rule == Numerical(Order.DESC)
    assert rules.digest is True
    tags = ["main-aaa-3", "main-bbb-1", "other"]
    assert select_for(rules, tags).tag == "main-bbb-1"


def test_order_defaults_to_ascending(tmp_path: Path) -> None:
    config = load(
        tmp_path, policy_doc("app", "  imageRepository: app\n  policy: {alphabetical: {}}")
    )
    assert config.image_policies[0].rules.rule == Alphabetical(Order.ASC)


@pytest.mark.parametrize(
    ("spec", "field", "words"),
    [
        ("  imageRepository: app\n  policy: {}", "spec.policy", "exactly one of semver"),
        (
            "  imageRepository: app\n  policy: {semver: {range: '1.x'}, numerical: {}}",
            "spec.policy",
            "found semver and numerical",
        ),
        (
            "  imageRepository: app\n  policy: {semver: {range: '>=1.0.0 <banana'}}",
            "spec.policy.semver.range",
            "is not a version",
        ),
        (
            "  imageRepository: app\n  policy: {numerical: {order: up}}",
            "spec.policy.numerical.order",
            "'up' is not an order (use asc",
        ),
        (
            "  imageRepository: app\n  policy: {alphabetical: {}}\n"
            "  filterTags: {pattern: '^main-(?P<ts>[0-9]+$'}",
            "spec.filterTags",
            "not an RE2 regular expression",
        ),
        (
            "  imageRepository: app\n  policy: {alphabetical: {}}\n"
            "  filterTags: {pattern: '^main-(?P<ts>[0-9]+)$', extract: '$stamp'}",
            "spec.filterTags",
            "extract names ${stamp}",
        ),
        (
            "  imageRepository: nope\n  policy: {alphabetical: {}}",
            "spec.imageRepository",
            "no ImageRepository named 'nope'",
        ),
        (
            "  imageRepository: app\n  policy: {alphabetical: {}}\n  digest: yes-please",
            "spec.digest",
            "true or false",
        ),
    ],
)
def test_a_bad_policy_is_one_issue_naming_file_line_object_and_field(
    tmp_path: Path, spec: str, field: str, words: str
) -> None:
    config = load(tmp_path, policy_doc("app", spec))
    assert config.image_policies == ()
    (issue,) = config.errors
    assert issue.file == tmp_path / "images.yaml"
    assert issue.line is not None
    assert issue.line > 4
    assert issue.object == "ImagePolicy/app"
    assert issue.field == field
    assert words in str(issue)


def test_an_invalid_repository_drops_its_policies_too(tmp_path: Path) -> None:
    bad_repository = REPOSITORY.replace("registry.example.test/org/app", "Not An Image")
    config = load(
        tmp_path,
        policy_doc("app", "  imageRepository: app\n  policy: {alphabetical: {}}"),
        bad_repository,
    )
    assert config.image_policies == ()
    assert any("ImageRepository 'app' is invalid" in str(i) for i in config.errors)


def test_two_policies_markers_would_name_alike_are_refused(tmp_path: Path) -> None:
    spec = "  imageRepository: app\n  policy: {alphabetical: {}}"
    repositories = (
        REPOSITORY + "---\n" + REPOSITORY.replace("{name: app}", "{name: app, namespace: default}")
    )
    config = load(
        tmp_path,
        policy_doc("app", spec) + "---\n" + policy_doc("app", spec, "default"),
        repositories,
    )
    assert [p.metadata.namespace for p in config.image_policies] == [None]
    (issue,) = config.errors
    assert "markers name this policy 'default:app'" in str(issue)
    assert issue.object == "ImagePolicy/default/app"

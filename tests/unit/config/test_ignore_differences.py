"""``spec.ignoreDifferences``: rules are checked when the configuration loads, each problem
an issue naming the App and the field."""

from __future__ import annotations

from pathlib import Path

import pytest

from trueup.config import load_config

CONFIG = """\
apiVersion: trueup.dev/v1alpha1
kind: GitSource
metadata: {name: deploy}
spec: {url: "https://git.example.test/deploy.git"}
---
apiVersion: trueup.dev/v1alpha1
kind: App
metadata: {name: web}
spec:
  source: deploy
  ignoreDifferences:
"""


def issues(tmp_path: Path, rules: str) -> list[str]:
    """The issues of a configuration whose App ``web`` has these rules (YAML list items)."""
    path = tmp_path / "trueup.yaml"
    path.write_text(CONFIG + rules)
    return [str(issue).removeprefix(f"{path}:") for issue in load_config(path).errors]


def test_valid_rules_load_with_every_field(tmp_path: Path) -> None:
    path = tmp_path / "trueup.yaml"
    path.write_text(
        CONFIG
        + "  - target: {kind: Deployment, group: apps, name: web, namespace: shop}\n"
        + "    jsonPointers: [/spec/replicas, /metadata/annotations/example.com~1owner]\n"
        + "    managedFieldsManagers: [kubectl]\n"
        + "  - target: {kind: ConfigMap, group: ''}\n"
        + "    managedFieldsManagers: [kube-controller-manager]\n"
    )
    config = load_config(path)

    assert config.errors == ()
    [app] = config.apps
    first, second = app.spec.ignore_differences
    assert (first.target.kind, first.target.group, first.target.name) == (
        "Deployment",
        "apps",
        "web",
    )
    assert first.json_pointers == ("/spec/replicas", "/metadata/annotations/example.com~1owner")
    assert first.managed_fields_managers == ("kubectl",)
    assert (second.target.group, second.target.name, second.target.namespace) == ("", None, None)


@pytest.mark.parametrize(
    ("rules", "issue"),
    [
        (
            "  - {target: {kind: Deployment}, jsonPointers: [spec/replicas]}\n",
            "12: App/web: spec.ignoreDifferences[0].jsonPointers[0]: 'spec/replicas' is not a "
            "JSON pointer to a field (write an RFC 6901 pointer such as /spec/replicas, with "
            "'~1' for a '/' and '~0' for a '~' inside a key)",
        ),
        (
            "  - {target: {kind: Deployment}, jsonPointers: [/spec/replicas, /a~2b]}\n",
            "12: App/web: spec.ignoreDifferences[0].jsonPointers[1]: '/a~2b' is not a JSON "
            "pointer to a field (write an RFC 6901 pointer such as /spec/replicas, with '~1' "
            "for a '/' and '~0' for a '~' inside a key)",
        ),
        (
            "  - {target: {kind: Deployment}, jsonPointers: ['']}\n",
            "12: App/web: spec.ignoreDifferences[0].jsonPointers[0]: '' is not a JSON pointer "
            "to a field (write an RFC 6901 pointer such as /spec/replicas, with '~1' for a '/' "
            "and '~0' for a '~' inside a key)",
        ),
        (
            "  - {target: {kind: Deployment}, jsonPointers: [/metadata/labels/trueup.dev~1app]}\n",
            "12: App/web: spec.ignoreDifferences[0].jsonPointers[0]: "
            "'/metadata/labels/trueup.dev~1app' names the object or trueup's owner marks, which "
            "cannot be ignored (trueup keeps these as Git and the App say; name other fields)",
        ),
        (
            "  - {target: {kind: Deployment}, jsonPointers: [/metadata/name]}\n",
            "12: App/web: spec.ignoreDifferences[0].jsonPointers[0]: '/metadata/name' names the "
            "object or trueup's owner marks, which cannot be ignored (trueup keeps these as Git "
            "and the App say; name other fields)",
        ),
        (
            "  - {target: {kind: Deployment}, managedFieldsManagers: [trueup]}\n",
            "12: App/web: spec.ignoreDifferences[0].managedFieldsManagers[0]: 'trueup' is "
            "trueup's own field manager: ignoring its fields would ignore Git (list the "
            "managers of the other writers)",
        ),
        (
            "  - {target: {kind: Deployment}}\n",
            "12: App/web: spec.ignoreDifferences[0]: an ignore rule needs jsonPointers or "
            "managedFieldsManagers (add jsonPointers: [/spec/replicas], say, or remove the rule)",
        ),
        (
            "  - {target: {name: web}, jsonPointers: [/spec/replicas]}\n",
            "12: App/web: spec.ignoreDifferences[0].target.kind: required field is missing "
            "(add it)",
        ),
        (
            "  - {target: {kind: Deployment, group: apps/v1}, jsonPointers: [/spec/replicas]}\n",
            "12: App/web: spec.ignoreDifferences[0].target.group: 'apps/v1' is not an API group "
            "(write the group without a version: apps, not apps/v1)",
        ),
        (
            "  - {target: {kind: Deployment, name: ''}, jsonPointers: [/spec/replicas]}\n",
            "12: App/web: spec.ignoreDifferences[0].target.name: the value is empty (write it, "
            "or leave the field out)",
        ),
    ],
    ids=[
        "a pointer without its leading slash",
        "a tilde escaping nothing",
        "the whole object",
        "an owner label",
        "the object's name",
        "trueup's own manager",
        "no fields",
        "no kind",
        "a group with its version",
        "an empty name",
    ],
)
def test_a_bad_rule_is_an_issue_naming_the_app_and_the_field(
    tmp_path: Path, rules: str, issue: str
) -> None:
    assert issues(tmp_path, rules) == [issue]

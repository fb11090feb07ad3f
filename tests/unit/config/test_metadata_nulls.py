"""A null field of Kubernetes' ``metadata`` is absent, as kubectl prints and the API reads it."""

from __future__ import annotations

from pathlib import Path

import pytest

from trueup.config import ConfigObject, load_config

GITSOURCE = """\
apiVersion: trueup.dev/v1alpha1
kind: GitSource
metadata:
  name: deploy
{extra}
spec: {{url: https://git.example.test/org/deploy.git}}
"""

SECRET = """\
apiVersion: v1
kind: Secret
metadata:
  name: creds
{extra}
stringData: {{bearerToken: t}}
"""


@pytest.mark.parametrize("template", [GITSOURCE, SECRET], ids=["GitSource", "Secret"])
def test_null_kubernetes_metadata_fields_load_as_absent(template: str, tmp_path: Path) -> None:
    extra = "\n".join(
        f"  {field}: null"
        for field in (
            "creationTimestamp",
            "namespace",
            "labels",
            "annotations",
            "uid",
            "resourceVersion",
            "generation",
            "deletionTimestamp",
            "ownerReferences",
            "finalizers",
            "managedFields",
        )
    )
    file = tmp_path / "config.yaml"
    file.write_text(template.format(extra=extra))
    config = load_config(file)
    assert config.errors == ()
    loaded: list[ConfigObject] = [*config.sources, *config.secrets]
    [only] = loaded
    assert only.namespace == ""
    assert only.metadata.labels == {}
    assert only.metadata.annotations == {}


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        pytest.param(
            "  creationTimestamp: '2026-01-01T00:00:00Z'",
            "config.yaml:5: Secret/creds: metadata.creationTimestamp: a Kubernetes field that "
            "trueup's configuration does not take (remove it, or write it null as kubectl "
            "create --dry-run=client does)",
            id="a-creation-time",
        ),
        pytest.param(
            "  resourceVersion: '42'",
            "config.yaml:5: Secret/creds: metadata.resourceVersion: a Kubernetes field that "
            "trueup's configuration does not take (remove it, or write it null as kubectl "
            "create --dry-run=client does)",
            id="a-resource-version",
        ),
        pytest.param(
            "  creationTimestmap: null",
            "config.yaml:5: Secret/creds: metadata.creationTimestmap: unknown field (remove it; "
            "known fields here: annotations, labels, name, namespace)",
            id="a-misspelt-field-even-null",
        ),
        pytest.param(
            "  owner: null",
            "config.yaml:5: Secret/creds: metadata.owner: unknown field (remove it; known fields "
            "here: annotations, labels, name, namespace)",
            id="an-unknown-field-even-null",
        ),
    ],
)
def test_other_metadata_fields_and_kubernetes_ones_with_a_value_are_refused(
    extra: str, expected: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("config.yaml").write_text(SECRET.format(extra=extra))
    config = load_config(Path("config.yaml"))
    assert [str(issue) for issue in config.errors] == [expected]
    assert config.secrets == ()


def test_a_null_name_is_a_missing_name(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    Path("config.yaml").write_text(
        SECRET.format(extra="  creationTimestamp: null").replace("name: creds", "name: null")
    )
    config = load_config(Path("config.yaml"))
    assert [str(issue) for issue in config.errors] == [
        "config.yaml:4: Secret: metadata.name: required field is missing (add it)"
    ]

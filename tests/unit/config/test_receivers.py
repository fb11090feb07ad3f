"""Receivers: loaded with their defaults, the secret read by the one Secret rule, and every
problem with their Secret, sources or name reported naming the Receiver."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from trueup.config import HookEvent, LoadedConfig, ReceiverType, load_config
from trueup.objects import ObjectId

FIXTURES = Path(__file__).parent / "fixtures"
CASES: list[dict[str, Any]] = yaml.safe_load((FIXTURES / "receivers.yaml").read_text())
BASE = """\
apiVersion: trueup.dev/v1alpha1
kind: GitSource
metadata: {name: deploy}
spec:
  url: https://git.example.com/org/deploy.git
  ref: {branch: main}
---
apiVersion: v1
kind: Secret
metadata: {name: hook-secret}
stringData:
  token: s3cret"""


def loaded_ids(config: LoadedConfig) -> list[str]:
    objects = (*config.sources, *config.apps, *config.secrets, *config.receivers)
    return sorted(str(o.id) for o in objects)


def load(root: Path, files: dict[str, str]) -> LoadedConfig:
    for name, text in files.items():
        (root / name).write_text(text.replace("$BASE", BASE))
    return load_config(Path("."))


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_each_receiver_problem_is_one_issue_naming_the_receiver(
    case: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    config = load(tmp_path, case["files"])
    assert [str(issue) for issue in config.errors] == case["issues"]
    assert loaded_ids(config) == sorted(case["loaded"])


def test_a_receiver_loads_with_push_as_its_default_event(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    receiver_yaml = (
        "---\napiVersion: trueup.dev/v1alpha1\nkind: Receiver\nmetadata: {name: github-main}\n"
        "spec: {type: github, secretRef: {name: hook-secret}, sources: [deploy]}\n"
    )
    config = load(tmp_path, {"config.yaml": f"$BASE\n{receiver_yaml}"})
    assert config.errors == ()
    [receiver] = config.receivers
    assert receiver.id == ObjectId("trueup.dev", "Receiver", "", "github-main")
    assert receiver.spec.type is ReceiverType.GITHUB
    assert receiver.spec.events == (HookEvent.PUSH,)
    assert config.receiver("github-main") == receiver
    assert config.receiver("nothing") is None
    assert [s.metadata.name for s in config.sources_of(receiver)] == ["deploy"]
    assert config.receiver_secret(receiver) == b"s3cret"


def test_every_receiver_field_is_read_and_the_token_follows_the_secret_rules(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    text = """\
apiVersion: trueup.dev/v1alpha1
kind: GitSource
metadata: {name: app, namespace: team-a}
spec: {url: "https://git.example.com/org/app.git", ref: {semver: ">=1.0.0"}}
---
apiVersion: trueup.dev/v1alpha1
kind: GitSource
metadata: {name: infra, namespace: team-a}
spec: {url: "https://git.example.com/org/infra.git"}
---
apiVersion: v1
kind: Secret
metadata: {name: hooks, namespace: team-a}
data: {token: b2xk}  # "old": stringData wins, as Kubernetes merges them
stringData: {token: "sécret"}
---
apiVersion: trueup.dev/v1alpha1
kind: Receiver
metadata: {name: forgejo, namespace: team-a}
spec:
  type: gitea
  secretRef: {name: hooks}
  sources: [infra, app]
  events: [tag_push]
"""
    config = load(tmp_path, {"config.yaml": text})
    assert config.errors == ()
    receiver = config.receiver("forgejo")
    assert receiver is not None
    assert receiver.namespace == "team-a"
    assert receiver.spec.type is ReceiverType.GITEA
    assert receiver.spec.events == (HookEvent.TAG_PUSH,)
    assert [s.metadata.name for s in config.sources_of(receiver)] == ["infra", "app"]
    assert config.receiver_secret(receiver) == "sécret".encode()
    assert "sécret" not in repr(config)


@pytest.mark.parametrize(
    ("event", "events", "selected"),
    [
        (HookEvent.PUSH, {HookEvent.PUSH}, True),
        (HookEvent.TAG_PUSH, {HookEvent.PUSH}, True),
        (HookEvent.PUSH, {HookEvent.TAG_PUSH}, False),
        (HookEvent.TAG_PUSH, {HookEvent.TAG_PUSH}, True),
    ],
)
def test_push_selects_every_push_and_tag_push_only_tags(
    event: HookEvent, events: set[HookEvent], selected: bool
) -> None:
    assert event.selected_by(frozenset(events)) is selected

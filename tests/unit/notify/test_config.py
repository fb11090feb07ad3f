"""Providers and Alerts: loaded with their Secrets, and every problem reported as one issue
naming the file, the object and the field, never a secret value."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from trueup.config import AlertSeverity, LoadedConfig, ProviderType, load_config
from trueup.config.alert import REASONS
from trueup.store import EventKind

FIXTURES = Path(__file__).parent / "fixtures"
CASES: list[dict[str, Any]] = yaml.safe_load((FIXTURES / "config_problems.yaml").read_text())
CANARY = "canary-9f3e1d7c"
BASE = f"""\
apiVersion: trueup.dev/v1alpha1
kind: GitSource
metadata: {{name: deploy}}
spec: {{url: "https://git.example.com/org/deploy.git"}}
---
apiVersion: trueup.dev/v1alpha1
kind: App
metadata: {{name: web, labels: {{team: shop}}}}
spec: {{source: deploy, path: ./web}}
---
apiVersion: v1
kind: Secret
metadata: {{name: slack-url}}
stringData: {{address: "https://hooks.slack.example/services/{CANARY}"}}
---
apiVersion: v1
kind: Secret
metadata: {{name: signing-only}}
stringData: {{token: "sign-{CANARY}"}}
---
apiVersion: v1
kind: Secret
metadata: {{name: webhook-both}}
stringData: {{address: "https://hooks.example.com/{CANARY}", token: "sign-{CANARY}"}}"""


def load(root: Path, files: dict[str, str]) -> LoadedConfig:
    for name, text in files.items():
        (root / name).write_text(text.replace("$BASE", BASE))
    return load_config(Path("."))


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_each_provider_or_alert_problem_is_one_issue_naming_the_object(
    case: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    config = load(tmp_path, case["files"])
    issues = [str(issue) for issue in config.errors]
    assert issues == case["issues"]
    assert not any(CANARY in issue for issue in issues)
    loaded = [str(o.id) for o in (*config.providers, *config.alerts)]
    assert loaded == case["loaded"]


def test_a_provider_and_an_alert_load_with_their_defaults(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    config = load(
        tmp_path,
        {
            "config.yaml": "$BASE\n---\n"
            "apiVersion: trueup.dev/v1alpha1\nkind: Provider\nmetadata: {name: hook}\n"
            "spec: {type: webhook, address: 'http://127.0.0.1:8080/notify'}\n---\n"
            "apiVersion: trueup.dev/v1alpha1\nkind: Alert\nmetadata: {name: all}\n"
            "spec: {providerRef: {name: hook}}\n"
        },
    )
    assert config.errors == ()
    (provider,) = config.providers
    assert provider.spec.type is ProviderType.WEBHOOK
    assert provider.spec.timeout == timedelta(seconds=10)
    assert provider.spec.dashboard_url is None
    (alert,) = config.alerts
    assert alert.spec.severity is AlertSeverity.INFO
    assert alert.spec.reasons is None
    assert alert.spec.apps is None
    assert not alert.spec.names_apps


def test_an_alert_may_name_every_event_kind_but_the_dropped_notification() -> None:
    assert {kind.value for kind in EventKind} - REASONS == {"notification.dropped"}

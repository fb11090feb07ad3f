"""Which Providers an event goes to: severity, reasons, app globs and labels, each Provider
once, events about no App only to Alerts that name no App, and never a dropped notification."""

from __future__ import annotations

from pathlib import Path

import pytest

from trueup.config import LoadedConfig, load_config
from trueup.daemon.events import Event, Kind, Level
from trueup.notify.routing import Routes

CONFIG = """\
apiVersion: trueup.dev/v1alpha1
kind: GitSource
metadata: {name: deploy}
spec: {url: "https://git.example.com/org/deploy.git"}
---
apiVersion: trueup.dev/v1alpha1
kind: App
metadata: {name: shop-web, labels: {team: shop}}
spec: {source: deploy, path: ./web}
---
apiVersion: trueup.dev/v1alpha1
kind: App
metadata: {name: billing, labels: {team: money}}
spec: {source: deploy, path: ./billing}
---
apiVersion: v1
kind: Secret
metadata: {name: chat-url}
stringData: {address: "https://hooks.example.com/secret-path"}
---
apiVersion: trueup.dev/v1alpha1
kind: Provider
metadata: {name: chat}
spec: {type: slack, secretRef: {name: chat-url}}
---
apiVersion: trueup.dev/v1alpha1
kind: Provider
metadata: {name: hook}
spec: {type: webhook, address: "http://127.0.0.1:9/x"}
---
apiVersion: trueup.dev/v1alpha1
kind: Alert
metadata: {name: shop-failures}
spec:
  providerRef: {name: chat}
  apps: ["shop-*"]
  reasons: [reconcile.failed, app.drifted]
  severity: warning
---
apiVersion: trueup.dev/v1alpha1
kind: Alert
metadata: {name: money-team}
spec:
  providerRef: {name: chat}
  appSelector: {matchLabels: {team: money}}
---
apiVersion: trueup.dev/v1alpha1
kind: Alert
metadata: {name: errors-everywhere}
spec: {providerRef: {name: hook}, severity: error}
"""


@pytest.fixture
def routes(tmp_path: Path) -> Routes:
    (tmp_path / "config.yaml").write_text(CONFIG)
    config: LoadedConfig = load_config(tmp_path)
    assert config.errors == ()
    return Routes(config)


def sent_to(routes: Routes, event: Event) -> list[str]:
    return [d.id.name for d in routes.destinations_for(event)]


def test_a_failure_of_a_shop_app_goes_to_chat_and_to_the_hook_once_each(routes: Routes) -> None:
    event = Event(Kind.RECONCILE_FAILED, "boom", app="shop-web", level=Level.ERROR)
    assert sent_to(routes, event) == ["chat", "hook"]


def test_severity_below_the_minimum_and_other_reasons_are_not_sent(routes: Routes) -> None:
    assert sent_to(routes, Event(Kind.DRIFTED, "drift", app="shop-web")) == []
    warning = Event(Kind.DRIFTED, "drift", app="shop-web", level=Level.WARNING)
    assert sent_to(routes, warning) == ["chat"]
    health = Event(Kind.HEALTH, "health", app="shop-web", level=Level.WARNING)
    assert sent_to(routes, health) == []


def test_an_app_selector_matches_by_label_and_any_reason(routes: Routes) -> None:
    assert sent_to(routes, Event(Kind.RECONCILED, "ok", app="billing")) == ["chat"]
    assert sent_to(routes, Event(Kind.RECONCILED, "ok", app="shop-web")) == []
    assert sent_to(routes, Event(Kind.RECONCILED, "ok", app="not-configured")) == []


def test_events_about_no_app_go_only_to_alerts_that_name_no_app(routes: Routes) -> None:
    event = Event(Kind.SOURCE_FAILED, "git is down", level=Level.ERROR)
    assert sent_to(routes, event) == ["hook"]


def test_a_dropped_notification_is_never_sent(routes: Routes) -> None:
    event = Event(Kind.NOTIFICATION_DROPPED, "gave up", app="shop-web", level=Level.ERROR)
    assert sent_to(routes, event) == []


def test_a_destination_reads_its_url_from_the_secret_and_shows_it_nowhere(
    routes: Routes,
) -> None:
    chat = next(d for d in routes.destinations.values() if d.id.name == "chat")
    assert chat.url.get_secret_value() == "https://hooks.example.com/secret-path"
    assert "secret-path" not in repr(chat)
    assert chat.label == "Provider/chat"

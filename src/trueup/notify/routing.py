"""Which Providers an event goes to: the Alerts of the configuration, matched. Pure.

A :class:`Destination` is a Provider resolved against its Secret (URL, signing key); a
:class:`Routes` table is built once per configuration and answers, for each event, the
Destinations whose Alerts match it (each Destination once, however many Alerts match).
``notification.dropped`` is never routed: a Provider that cannot deliver must not be
told so through itself, nor two failing Providers through each other, forever.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from fnmatch import fnmatchcase

from pydantic import SecretStr

from trueup.config import Alert, AlertSeverity, LoadedConfig, Provider, ProviderType
from trueup.config.provider import ADDRESS, TOKEN
from trueup.daemon.events import Event, Kind
from trueup.objects import ObjectId


@dataclass(frozen=True, slots=True)
class Destination:
    """Where and how a Provider's notifications are sent. Its repr shows no secret."""

    id: ObjectId
    type: ProviderType
    url: SecretStr
    signing_key: SecretStr | None
    dashboard_url: str | None
    timeout: timedelta
    api_url: str | None = None
    """Forge types: the API root, when not the usual one for the address's host."""
    cluster: str | None = None
    """Forge types: the cluster named in the status context (None: the installation id)."""

    @property
    def label(self) -> str:
        """``Provider/<name>`` (with the namespace, when it has one): what messages name."""
        return str(self.id)


def destination_of(provider: Provider, config: LoadedConfig) -> Destination:
    """``provider`` with its URL and signing key read from its Secret (the loader has
    checked that they are there)."""
    spec = provider.spec
    secret = (
        config.secret(provider.namespace, spec.secret_ref.name)
        if spec.secret_ref is not None
        else None
    )
    url = SecretStr(spec.address) if spec.address is not None else None
    if url is None and secret is not None:
        url = secret.get(ADDRESS)
    if url is None:
        raise KeyError(f"{provider.id}: no address")
    return Destination(
        id=provider.id,
        type=spec.type,
        url=url,
        signing_key=secret.get(TOKEN) if secret is not None else None,
        dashboard_url=spec.dashboard_url,
        timeout=spec.timeout,
        api_url=spec.api_url,
        cluster=spec.cluster,
    )


def alert_matches(alert: Alert, event: Event, labels: dict[str, str] | None) -> bool:
    """Whether ``alert`` sends ``event``; ``labels`` are those of the event's App (None when
    the App is not in the configuration)."""
    spec = alert.spec
    if event.kind is Kind.NOTIFICATION_DROPPED:
        return False
    if AlertSeverity(event.level.value).rank < spec.severity.rank:
        return False
    if spec.reasons is not None and event.kind.value not in spec.reasons:
        return False
    if event.app is None:
        return not spec.names_apps
    if spec.apps is not None and not any(fnmatchcase(event.app, glob) for glob in spec.apps):
        return False
    if spec.app_selector is not None:
        return labels is not None and spec.app_selector.matches(labels)
    return True


class Routes:
    """The Destinations of a configuration, and which of them each event goes to."""

    def __init__(self, config: LoadedConfig) -> None:
        self.destinations: dict[ObjectId, Destination] = {
            provider.id: destination_of(provider, config) for provider in config.providers
        }
        self._alerts = [(alert, _provider_id(alert)) for alert in config.alerts]
        self._labels = {app.metadata.name: dict(app.metadata.labels) for app in config.apps}

    def __bool__(self) -> bool:
        return bool(self._alerts)

    def destinations_for(self, event: Event) -> list[Destination]:
        """The Destinations ``event`` goes to, each once, in the order of the Alerts."""
        labels = self._labels.get(event.app) if event.app is not None else None
        found: dict[ObjectId, Destination] = {}
        for alert, provider in self._alerts:
            if provider in found or provider not in self.destinations:
                continue
            if alert_matches(alert, event, labels):
                found[provider] = self.destinations[provider]
        return list(found.values())


def _provider_id(alert: Alert) -> ObjectId:
    group, _, _version = alert.api_version.rpartition("/")
    return ObjectId(group, "Provider", alert.namespace, alert.spec.provider_ref.name)

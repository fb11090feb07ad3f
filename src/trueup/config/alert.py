"""``Alert``: which events are sent to which Provider.

An event is sent when it is at least as severe as ``severity``, its kind is one of
``reasons`` (every kind when left out), and its App matches: a name among the ``apps``
globs, labels matching ``appSelector`` (both, when both are given). An Alert that names
no App (neither ``apps`` nor ``appSelector``) also receives the events that concern no
App (a source that cannot be fetched, a refused configuration). The loader checks that
the Provider exists (:mod:`trueup.config.notify_refs`).
"""

from __future__ import annotations

from typing import Annotated, Final, Literal

from pydantic import AfterValidator, BeforeValidator, Field
from pydantic_core import PydanticCustomError

from trueup.config.meta import API_VERSION, ConfigModel, ConfigObject, Name
from trueup.eventkinds import EventKind, Severity

REASONS: Final = frozenset(
    kind.value for kind in EventKind if kind is not EventKind.NOTIFICATION_DROPPED
)
"""The event kinds an Alert may name: every kind but ``notification.dropped``, which is
never sent (it is logged)."""

AlertSeverity = Severity
"""How severe an event must be at least to be sent."""


def _check_severity(value: object) -> object:
    if not isinstance(value, str) or value not in {s.value for s in Severity}:
        raise PydanticCustomError(
            "alert_severity",
            "'{value}' is not a severity",
            {"value": str(value)[:80], "hint": "use info, warning or error"},
        )
    return value


def _check_reason(value: str) -> str:
    if value not in REASONS:
        raise PydanticCustomError(
            "alert_reason",
            "'{value}' is not an event kind",
            {
                "value": value[:80],
                "hint": "use event kinds such as reconcile.failed, app.drifted or app.health "
                "(the 'event' field of trueup serve's log lines)",
            },
        )
    return value


def _check_glob(value: str) -> str:
    if not value or len(value) > 253 or any(c.isspace() for c in value):
        raise PydanticCustomError(
            "alert_glob",
            "'{value}' is not an App name or glob",
            {"value": value[:80], "hint": "write an App name, or a glob such as shop-*"},
        )
    return value


def _not_empty(values: tuple[str, ...]) -> tuple[str, ...]:
    if not values:
        raise PydanticCustomError(
            "alert_empty",
            "the list is empty",
            {"hint": "list at least one entry, or leave the field out"},
        )
    return values


class ProviderRef(ConfigModel):
    """The Provider, in the Alert's namespace, that sends the Alert's events."""

    name: Name


class AppSelector(ConfigModel):
    """Apps by label, as a Kubernetes label selector's ``matchLabels``."""

    match_labels: dict[str, str] = Field(default_factory=dict)

    def matches(self, labels: dict[str, str]) -> bool:
        """Whether ``labels`` hold every label of ``matchLabels``."""
        return all(labels.get(key) == value for key, value in self.match_labels.items())


class AlertSpec(ConfigModel):
    """``spec`` of an ``Alert``; every field but ``providerRef`` narrows what is sent."""

    provider_ref: ProviderRef
    apps: Annotated[
        tuple[Annotated[str, AfterValidator(_check_glob)], ...] | None,
        AfterValidator(lambda v: v if v is None else _not_empty(v)),
    ] = None
    """App names or globs (``*``, ``?``, ``[…]``); every App when left out."""
    app_selector: AppSelector | None = None
    """Apps whose ``metadata.labels`` hold these labels."""
    reasons: Annotated[
        tuple[Annotated[str, AfterValidator(_check_reason)], ...] | None,
        AfterValidator(lambda v: v if v is None else _not_empty(v)),
    ] = None
    """Event kinds that are sent; every kind when left out."""
    severity: Annotated[AlertSeverity, BeforeValidator(_check_severity)] = AlertSeverity.INFO
    """The least severe events that are sent."""

    @property
    def names_apps(self) -> bool:
        """Whether the Alert narrows by App (so events about no App are not sent)."""
        return self.apps is not None or self.app_selector is not None


class Alert(ConfigObject):
    """Which events go to which Provider."""

    api_version: Literal["trueup.dev/v1alpha1"] = API_VERSION
    kind: Literal["Alert"] = "Alert"
    spec: AlertSpec

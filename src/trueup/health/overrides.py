"""User overrides: replace the rule of a group and kind, for example "always healthy".

Users name kinds the way ``kubectl`` prints them: ``Kind.group``, or ``Kind`` for the
core group (``Deployment.apps``, ``Certificate.cert-manager.io``, ``ConfigMap``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from trueup.errors import ConfigError
from trueup.health.generic import generic_health
from trueup.health.model import HealthResult, HealthRule, HealthStatus
from trueup.objects import Object


def always_healthy(obj: Object) -> HealthResult:
    """A rule for kinds whose health the user does not want tracked."""
    return HealthResult(HealthStatus.HEALTHY, "health check overridden: always healthy")


NAMED_RULES: Mapping[str, HealthRule] = MappingProxyType(
    {"always-healthy": always_healthy, "conditions": generic_health}
)
"""The rules users can choose by name: ``always-healthy``, ``conditions`` (the generic rule)."""


def split_group_kind(group_kind: str) -> tuple[str, str]:
    """``Deployment.apps`` → (``apps``, ``Deployment``); ``ConfigMap`` → ('', ``ConfigMap``)."""
    kind, _, group = group_kind.partition(".")
    return group, kind


@dataclass(frozen=True, slots=True)
class HealthOverrides:
    """Rules that replace the built-in rule for a (group, kind)."""

    rules: Mapping[tuple[str, str], HealthRule] = field(
        default_factory=lambda: MappingProxyType({})
    )

    def rule_for(self, group: str, kind: str) -> HealthRule | None:
        """The overriding rule for this group and kind, or None."""
        return self.rules.get((group, kind))

    @classmethod
    def from_names(cls, names: Mapping[str, str]) -> HealthOverrides:
        """Overrides from ``{"Kind.group": "rule name"}``; ConfigError on an unknown name."""
        rules: dict[tuple[str, str], HealthRule] = {}
        for group_kind, rule_name in names.items():
            rule = NAMED_RULES.get(rule_name)
            if rule is None:
                choices = ", ".join(sorted(NAMED_RULES))
                raise ConfigError(
                    f"health override for {group_kind}: unknown rule {rule_name!r}; "
                    f"use one of {choices}"
                )
            rules[split_group_kind(group_kind)] = rule
        return cls(MappingProxyType(rules))

"""trueup's own configuration: Kubernetes-shaped objects, validated, loaded from YAML files.

Kinds: ``GitSource``, ``App``, ``Receiver``, ``Provider`` and ``Alert`` (``apiVersion:
trueup.dev/v1alpha1``), and ``v1``
``Secret`` documents holding the credentials that ``secretRef`` fields name. The same
models serve the standalone daemon (files, read by ``load_config``) and, later, the
in-cluster operator (custom resources).
"""

from __future__ import annotations

from trueup.config.alert import Alert, AlertSeverity, AlertSpec
from trueup.config.api_token import ApiRole, ApiToken, ApiTokenSpec
from trueup.config.app import App, AppSpec
from trueup.config.duration import Duration, PositiveDuration, format_duration, parse_duration
from trueup.config.gitsource import GitRef, GitSource, GitSourceSpec, Verification, url_scheme
from trueup.config.issues import ConfigIssue, LoadedConfig, Origin
from trueup.config.loader import config_files, load_config
from trueup.config.meta import API_VERSION, ConfigObject, ObjectMeta, SecretRef
from trueup.config.provider import Provider, ProviderSpec, ProviderType
from trueup.config.receiver import HookEvent, Receiver, ReceiverSpec, ReceiverType
from trueup.config.secret import Secret

__all__ = [
    "API_VERSION",
    "Alert",
    "AlertSeverity",
    "AlertSpec",
    "ApiRole",
    "ApiToken",
    "ApiTokenSpec",
    "App",
    "AppSpec",
    "ConfigIssue",
    "ConfigObject",
    "Duration",
    "GitRef",
    "GitSource",
    "GitSourceSpec",
    "HookEvent",
    "LoadedConfig",
    "ObjectMeta",
    "Origin",
    "PositiveDuration",
    "Provider",
    "ProviderSpec",
    "ProviderType",
    "Receiver",
    "ReceiverSpec",
    "ReceiverType",
    "Secret",
    "SecretRef",
    "Verification",
    "config_files",
    "format_duration",
    "load_config",
    "parse_duration",
    "url_scheme",
]

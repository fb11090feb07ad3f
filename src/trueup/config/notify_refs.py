"""Checks across objects for Providers and Alerts: the Secret and its keys, the Provider.

Like the checks of :mod:`trueup.config.references`, an object that fails one is dropped
with an issue naming its file, line and field; an Alert whose Provider was dropped is
dropped too, so the daemon runs only Alerts that can deliver.
"""

from __future__ import annotations

from trueup.config.alert import Alert
from trueup.config.provider import ADDRESS, TOKEN, Provider, ProviderType, url_problem
from trueup.config.references import Declared, _missing
from trueup.config.secret import Secret

_SECRET = ("spec", "secretRef", "name")


def check_notifications(declared: Declared) -> None:
    """Drop Providers whose Secret or URL is unusable, then Alerts without a Provider."""
    for key in declared.of_kind("Provider"):
        provider = declared.valid[key][0]
        assert isinstance(provider, Provider)
        ref = provider.spec.secret_ref
        if ref is None:
            continue
        problem = _missing("Secret", provider.namespace, ref.name, declared)
        if problem is None:
            secret = declared.valid[("Secret", provider.namespace, ref.name)][0]
            assert isinstance(secret, Secret)
            problem = _secret_problem(provider, secret)
        if problem is not None:
            declared.issue(key, _SECRET, *problem)
    for key in declared.of_kind("Alert"):
        alert = declared.valid[key][0]
        assert isinstance(alert, Alert)
        name = alert.spec.provider_ref.name
        problem = _missing("Provider", alert.namespace, name, declared)
        if problem is not None:
            declared.issue(key, ("spec", "providerRef", "name"), *problem)


def _secret_problem(provider: Provider, secret: Secret) -> tuple[str, str] | None:
    name, keys = secret.metadata.name, secret.keys()
    if ADDRESS in keys and provider.spec.address is not None:
        return (
            f"the URL is given twice: in spec.address and in key {ADDRESS} of Secret '{name}'",
            "keep one of them",
        )
    if ADDRESS not in keys and provider.spec.address is None:
        return (
            f"Secret '{name}' has no key {ADDRESS}, and spec.address is not set",
            f"add the webhook URL to the Secret as {ADDRESS}",
        )
    if ADDRESS in keys:
        problem = url_problem(_value(secret, ADDRESS))
        if problem is not None:
            return f"the {ADDRESS} of Secret '{name}' {problem}", "write the endpoint's http(s) URL"
    if TOKEN not in keys and provider.spec.type.forge is not None:
        return (
            f"Secret '{name}' has no key {TOKEN}: a {provider.spec.type.value} Provider needs "
            "an API token to post commit statuses",
            f"add the forge's API token to the Secret as {TOKEN}",
        )
    if TOKEN in keys:
        if provider.spec.type is not ProviderType.WEBHOOK and provider.spec.type.forge is None:
            return (
                f"Secret '{name}' has a key {TOKEN}, which only a webhook Provider uses "
                f"(to sign the body); a {provider.spec.type.value} Provider would ignore it",
                f"remove {TOKEN} from the Secret, or use type webhook",
            )
        token = _value(secret, TOKEN)
        if not token or token != token.strip():
            return (
                f"the {TOKEN} of Secret '{name}' is empty or begins or ends with whitespace",
                f"write the {TOKEN} without surrounding whitespace (often a trailing newline)",
            )
    return None


def _value(secret: Secret, key: str) -> str:
    value = secret.get(key)
    return value.get_secret_value() if value is not None else ""

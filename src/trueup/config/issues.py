"""The result of loading a configuration: the valid objects, and one issue per problem found."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

from trueup.config.alert import Alert
from trueup.config.api_token import TOKEN as API_TOKEN_KEY
from trueup.config.api_token import ApiToken
from trueup.config.app import App
from trueup.config.gitsource import GitSource
from trueup.config.image_policy import ImagePolicy
from trueup.config.image_repository import ImageRepository
from trueup.config.image_update import ImageUpdate
from trueup.config.provider import Provider
from trueup.config.receiver import TOKEN, Receiver
from trueup.config.secret import Secret
from trueup.errors import ConfigError
from trueup.objects import ObjectId


@dataclass(frozen=True, slots=True)
class Origin:
    """Where an object was declared: file and 1-based line of its document."""

    file: Path
    line: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}"


def field_path(path: Sequence[str | int]) -> str:
    """A pydantic location as ``spec.dependsOn[0]``; validator-only parts are left out."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        elif not part.startswith(("function-", "union[")) and part not in ("str", "tagged-union"):
            text += f".{part}" if text else part
    return text


@dataclass(frozen=True, slots=True)
class ConfigIssue:
    """One problem in the configuration, with where it is and what to do about it.

    ``object`` is ``Kind/name`` (``Kind/namespace/name`` with a namespace), or '' when the
    document is too broken to tell; ``field`` is a path such as ``spec.ref.branch`` or ''.
    Messages never contain secret values.
    """

    file: Path
    line: int | None
    object: str
    field: str
    message: str
    hint: str = ""

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line is not None else str(self.file)
        parts = [where, self.object, self.field]
        text = ": ".join(p for p in parts if p) + f": {self.message}"
        return f"{text} ({self.hint})" if self.hint else text


@dataclass(frozen=True, slots=True)
class LoadedConfig:
    """Every valid object of a configuration, and the issues that kept others out.

    Invariants: names are unique per kind and namespace, and Receiver names across
    namespaces; every App's source and ``dependsOn`` entries, every GitSource's secrets,
    and every Receiver's sources and Secret (with a usable ``token``), every Provider's
    Secret (with its URL), every Alert's Provider and every ImageUpdate's GitSource (with
    ``spec.write``, following a branch) and pull-request Secret are among the valid
    objects; the apps' dependencies have no cycle.
    """

    sources: tuple[GitSource, ...] = ()
    apps: tuple[App, ...] = ()
    secrets: tuple[Secret, ...] = ()
    errors: tuple[ConfigIssue, ...] = ()
    origins: Mapping[ObjectId, Origin] = field(default_factory=lambda: MappingProxyType({}))
    receivers: tuple[Receiver, ...] = ()
    api_tokens: tuple[ApiToken, ...] = ()
    providers: tuple[Provider, ...] = ()
    alerts: tuple[Alert, ...] = ()
    image_repositories: tuple[ImageRepository, ...] = ()
    image_policies: tuple[ImagePolicy, ...] = ()
    image_updates: tuple[ImageUpdate, ...] = ()

    @property
    def ok(self) -> bool:
        """True when no issue was found."""
        return not self.errors

    def raise_if_invalid(self) -> None:
        """Raise ``ConfigError`` listing every issue, one per line, if there is any."""
        if self.errors:
            count = len(self.errors)
            lines = "\n".join(f"  {issue}" for issue in self.errors)
            noun = "problem" if count == 1 else "problems"
            raise ConfigError(f"the configuration has {count} {noun}:\n{lines}")

    def source_of(self, app: App) -> GitSource:
        """The GitSource ``app`` renders from (always present: see the invariants)."""
        for source in self.sources:
            if source.metadata.name == app.spec.source and source.namespace == app.namespace:
                return source
        raise KeyError(f"{app.id}: no GitSource {app.spec.source!r}")

    def secret(self, namespace: str, name: str) -> Secret | None:
        """The Secret ``name`` in ``namespace`` ('' for none), or ``None``."""
        for secret in self.secrets:
            if secret.metadata.name == name and secret.namespace == namespace:
                return secret
        return None

    def secret_values(self) -> list[str]:
        """Every value of every Secret in the configuration: what maskers hide."""
        return [
            value.get_secret_value()
            for secret in self.secrets
            for value in (*secret.data.values(), *secret.string_data.values())
        ]

    def receiver(self, name: str) -> Receiver | None:
        """The Receiver serving ``/hooks/<name>``, or ``None``."""
        for receiver in self.receivers:
            if receiver.metadata.name == name:
                return receiver
        return None

    def sources_of(self, receiver: Receiver) -> tuple[GitSource, ...]:
        """The GitSources ``receiver`` refreshes, in the order of its ``spec.sources``."""
        by_name = {s.metadata.name: s for s in self.sources if s.namespace == receiver.namespace}
        return tuple(by_name[name] for name in receiver.spec.sources)

    def receiver_secret(self, receiver: Receiver) -> bytes:
        """The shared secret of ``receiver`` (key ``token`` of its Secret), UTF-8 encoded.

        Show it nowhere: it signs and authenticates the hooks.
        """
        name = receiver.spec.secret_ref.name
        secret = self.secret(receiver.namespace, name)
        token = secret.get(TOKEN) if secret is not None else None
        if token is None:
            raise KeyError(f"{receiver.id}: no Secret {name!r} with key {TOKEN}")
        return token.get_secret_value().encode()

    def api_token_secret(self, api_token: ApiToken) -> str:
        """The bearer token of ``api_token`` (key ``token`` of its Secret).

        Show it nowhere: hash it (``trueup.api.auth``) and forget it.
        """
        name = api_token.spec.secret_ref.name
        secret = self.secret(api_token.namespace, name)
        token = secret.get(API_TOKEN_KEY) if secret is not None else None
        if token is None:
            raise KeyError(f"{api_token.id}: no Secret {name!r} with key {API_TOKEN_KEY}")
        return token.get_secret_value()

    def origin(self, obj: ObjectId) -> Origin | None:
        """Where the object with id ``obj`` was declared, if it was loaded from a file."""
        return self.origins.get(obj)

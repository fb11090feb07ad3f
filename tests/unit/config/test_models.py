"""The configuration models: every field of the full example, the defaults, and the public API."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import TypeVar

import pytest
from pydantic import ValidationError

import trueup.config
from trueup.config import (
    App,
    GitRef,
    GitSource,
    HookEvent,
    LoadedConfig,
    ReceiverType,
    Secret,
    load_config,
)
from trueup.objects import ObjectId

T = TypeVar("T", App, GitSource, Secret)

FULL = Path(__file__).parent / "fixtures" / "valid" / "full.yaml"


@pytest.fixture(scope="module")
def full() -> LoadedConfig:
    return load_config(FULL)


def by_name(objects: tuple[T, ...], name: str) -> T:
    return next(o for o in objects if o.metadata.name == name)


def test_every_git_source_field_is_read(full: LoadedConfig) -> None:
    source = by_name(full.sources, "podinfo")
    assert source.id == ObjectId("trueup.dev", "GitSource", "team-a", "podinfo")
    assert str(source.id) == "GitSource/team-a/podinfo"
    assert source.metadata.labels == {"tier": "web"}
    spec = source.spec
    assert spec.url == "https://git.example.com/org/podinfo.git"
    assert spec.ref == GitRef(semver=">=6.0.0 <7.0.0")
    assert spec.secret_ref is not None
    assert spec.secret_ref.name == "git-https"
    assert (spec.interval, spec.timeout) == (timedelta(seconds=90), timedelta(seconds=45))
    assert spec.verify is not None
    assert (spec.verify.mode, spec.verify.secret_ref.name) == ("gpg", "git-signers")
    assert spec.ignore == "/docs\n*.md\n"


def test_git_source_defaults_follow_branch_main_every_minute(full: LoadedConfig) -> None:
    spec = by_name(full.sources, "infra").spec
    assert spec.ref == GitRef(branch="main")
    assert (spec.interval, spec.timeout) == (timedelta(minutes=1), timedelta(seconds=60))
    assert (spec.verify, spec.ignore) == (None, None)


def test_every_app_field_is_read(full: LoadedConfig) -> None:
    app = by_name(full.apps, "web")
    spec = app.spec
    assert app.metadata.annotations == {"owner": "team-a@example.com"}
    assert (spec.source, spec.path, spec.namespace) == ("podinfo", "./deploy/prod", "shop")
    assert (spec.prune, spec.self_heal, spec.suspend, spec.wait) == (False, False, True, True)
    assert (spec.force, spec.allow_empty) == (True, True)
    assert (spec.interval, spec.timeout) == (timedelta(minutes=10), timedelta(minutes=3))
    assert spec.depends_on == ("infra",)
    assert (spec.kubeconfig, spec.context) == ("/etc/trueup/prod.kubeconfig", "prod")
    assert full.source_of(app).metadata.name == "podinfo"


def test_app_defaults_prune_and_self_heal_every_five_minutes(full: LoadedConfig) -> None:
    spec = by_name(full.apps, "infra").spec
    assert (spec.path, spec.namespace, spec.prune, spec.self_heal) == (".", None, True, True)
    assert (spec.interval, spec.timeout) == (timedelta(minutes=5), timedelta(minutes=2))
    assert spec.depends_on == ()
    assert (spec.suspend, spec.wait, spec.force, spec.allow_empty) == (False,) * 4
    assert (spec.kubeconfig, spec.context) == (None, None)


def test_every_receiver_field_is_read(full: LoadedConfig) -> None:
    receiver = full.receiver("gitlab-infra")
    assert receiver is not None
    assert str(receiver.id) == "Receiver/team-a/gitlab-infra"
    spec = receiver.spec
    assert (spec.type, spec.secret_ref.name) == (ReceiverType.GITLAB, "hooks")
    assert spec.sources == ("infra", "podinfo")
    assert spec.events == (HookEvent.PUSH, HookEvent.TAG_PUSH)
    assert full.receiver_secret(receiver) == b"0123456789abcdef"


def test_secret_values_are_decoded_merged_and_masked(full: LoadedConfig) -> None:
    ssh = full.secret("team-a", "git-ssh")
    assert ssh is not None
    identity = ssh.get("identity")
    assert identity is not None
    assert identity.get_secret_value() == "-----BEGIN OPENSSH PRIVATE KEY-----"
    assert ssh.keys() == {"identity", "known_hosts"}
    https = full.secret("team-a", "git-https")
    assert https is not None
    assert "hunter2" not in repr(https)
    assert "hunter2" not in repr(full)
    assert full.secret("", "git-https") is None


def test_string_data_wins_over_data_for_the_same_key() -> None:
    secret = Secret.model_validate(
        {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {"name": "s"},
            "data": {"password": "b2xk"},  # "old"
            "stringData": {"password": "new"},
        }
    )
    value = secret.get("password")
    assert value is not None
    assert value.get_secret_value() == "new"


def test_models_are_frozen_and_dump_back_to_the_yaml_spelling(full: LoadedConfig) -> None:
    app = by_name(full.apps, "web")
    with pytest.raises(ValidationError):
        app.spec.prune = True
    dumped = app.model_dump(mode="json", by_alias=True, exclude_defaults=True)
    assert dumped["spec"]["selfHeal"] is False
    assert dumped["spec"]["interval"] == "10m0s"
    assert App.model_validate(dumped) == app


def test_models_can_be_built_in_python_by_field_name() -> None:
    source = GitSource.model_validate(
        {"metadata": {"name": "main"}, "spec": {"url": "https://git.example.com/x.git"}}
    )
    assert source.api_version == "trueup.dev/v1alpha1"
    assert source.kind == "GitSource"


@pytest.mark.parametrize(
    ("url", "scheme"),
    [
        ("https://git.example.com/org/repo.git", "https"),
        ("ssh://git@git.example.com:2222/org/repo.git", "ssh"),
        ("git@git.example.com:org/repo.git", "ssh"),
        ("file:///srv/git/repo.git", "file"),
        ("/srv/git/repo.git", "file"),
    ],
)
def test_supported_git_url_forms_are_accepted(url: str, scheme: str) -> None:
    spec: dict[str, object] = {"url": url}
    if scheme == "ssh":
        spec["secretRef"] = {"name": "ssh-key"}
    source = GitSource.model_validate({"metadata": {"name": "s"}, "spec": spec})
    assert trueup.config.url_scheme(source.spec.url) == scheme


def test_public_api_is_pinned() -> None:
    assert sorted(trueup.config.__all__) == sorted(
        [
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
    )

"""A Receiver of ``type: registry``: its configuration, and the notifications it accepts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from trueup.config import HookEvent, LoadedConfig, ReceiverType, load_config
from trueup.webhooks import Outcome, Verdict, image_repositories_to_refresh, verify

TOKEN = "registry-hook-token-7f2e"
BEARER = {"Authorization": f"Bearer {TOKEN}"}


def push(repository: str, tag: str | None = "1.0.0", action: str = "push") -> dict[str, object]:
    target: dict[str, object] = {
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "repository": repository,
        "digest": "sha256:" + "a" * 64,
    }
    if tag is not None:
        target["tag"] = tag
    return {"id": "1", "action": action, "target": target, "request": {"host": "reg"}}


def envelope(*events: dict[str, object]) -> bytes:
    return json.dumps({"events": list(events)}).encode()


def check(
    headers: dict[str, str], body: bytes, events: tuple[HookEvent, ...] = (HookEvent.PUSH,)
) -> Verdict:
    return verify(ReceiverType.REGISTRY, TOKEN.encode(), headers, body, events)


def test_a_tag_push_is_accepted_with_the_repositories_pushed_to() -> None:
    body = envelope(push("org/app"), push("org/app", "1.1.0"), push("org/web"))

    verdict = check(BEARER, body)

    assert verdict.outcome is Outcome.ACCEPTED
    assert verdict.images == ("org/app", "org/web")
    assert verdict.message == "push to org/app, org/web accepted"


@pytest.mark.parametrize(
    ("events", "says"),
    [
        ((push("org/app", tag=None),), "no tag was pushed"),
        ((push("org/app", action="pull"),), "no tag was pushed"),
        ((push("org/app", action="delete"),), "no tag was pushed"),
        ((push("../etc"),), "no tag was pushed"),
    ],
)
def test_blob_pushes_pulls_deletes_and_odd_names_are_ignored(
    events: tuple[dict[str, object], ...], says: str
) -> None:
    verdict = check(BEARER, envelope(*events))
    assert verdict.outcome is Outcome.IGNORED
    assert says in verdict.message


@pytest.mark.parametrize(
    ("headers", "says"),
    [
        ({}, "no Authorization header"),
        ({"Authorization": f"Basic {TOKEN}"}, "no Bearer token"),
        ({"Authorization": "Bearer wrong"}, "does not match the Receiver's secret"),
    ],
)
def test_a_notification_without_the_token_is_unauthorized(
    headers: dict[str, str], says: str
) -> None:
    verdict = check(headers, envelope(push("org/app")))
    assert verdict.outcome is Outcome.UNAUTHORIZED
    assert says in verdict.message
    assert TOKEN not in verdict.message


@pytest.mark.parametrize("body", [b"nope", b"[]", b'{"events": {}}'])
def test_a_body_that_is_no_envelope_is_a_bad_request(body: bytes) -> None:
    assert check(BEARER, body).outcome is Outcome.BAD_REQUEST


def test_an_oversized_notification_is_too_large() -> None:
    body = envelope(push("org/app")) + b" " * (1024 * 1024)
    assert check(BEARER, body).outcome is Outcome.TOO_LARGE


def test_an_empty_secret_authenticates_nothing() -> None:
    verdict = verify(ReceiverType.REGISTRY, b"", {"Authorization": "Bearer "}, b"{}", ())
    assert verdict.outcome is Outcome.UNAUTHORIZED


CONFIG = """
apiVersion: trueup.dev/v1alpha1
kind: ImageRepository
metadata: {name: app}
spec: {image: registry.example.test/org/app}
---
apiVersion: trueup.dev/v1alpha1
kind: ImageRepository
metadata: {name: web}
spec: {image: other.example.test/org/web}
---
apiVersion: v1
kind: Secret
metadata: {name: hook}
stringData: {token: registry-hook-token-7f2e}
"""


def load(tmp_path: Path, receiver: str) -> LoadedConfig:
    path = tmp_path / "trueup.yaml"
    path.write_text(
        CONFIG + "---\napiVersion: trueup.dev/v1alpha1\nkind: Receiver\n"
        f"metadata: {{name: registry}}\nspec: {receiver}\n"
    )
    return load_config(path)


def test_a_registry_receiver_scans_the_named_repositories_pushed_to(tmp_path: Path) -> None:
    config = load(tmp_path, "{type: registry, secretRef: {name: hook}, imageRepositories: [app]}")
    assert config.errors == ()
    [receiver] = config.receivers
    verdict = check(BEARER, envelope(push("org/app"), push("org/web")))

    chosen = image_repositories_to_refresh(config, receiver, verdict)

    assert [r.key for r in chosen] == ["app"], "web was pushed to, but is not listed"


@pytest.mark.parametrize(
    ("spec", "says"),
    [
        ("{type: registry, secretRef: {name: hook}}",
         "spec: a registry Receiver needs imageRepositories (list at least one ImageRepository"),
        ("{type: registry, secretRef: {name: hook}, imageRepositories: [app], sources: [x]}",
         "spec.sources: a registry Receiver makes ImageRepositories scan, not GitSources"),
        ("{type: github, secretRef: {name: hook}, sources: [x], imageRepositories: [app]}",
         "spec.imageRepositories: only a registry Receiver makes ImageRepositories scan"),
        ("{type: registry, secretRef: {name: hook}, imageRepositories: [nope]}",
         "spec.imageRepositories[0]: no ImageRepository named 'nope'"),
    ],
)  # fmt: skip
def test_a_registry_receiver_must_name_image_repositories_only(
    tmp_path: Path, spec: str, says: str
) -> None:
    config = load(tmp_path, spec)
    assert config.receivers == ()
    assert any(says in str(issue) for issue in config.errors), [str(i) for i in config.errors]

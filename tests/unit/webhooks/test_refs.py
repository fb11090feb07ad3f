"""Which sources a push concerns: only those whose followed ref the push can change."""

from __future__ import annotations

import hashlib
import hmac
import json
from pathlib import Path

import pytest

import trueup.webhooks
from trueup.config import GitRef, HookEvent, LoadedConfig, load_config
from trueup.webhooks import Outcome, Verdict, ref_concerns, sources_to_refresh, verify

COMMIT = "0123456789abcdef0123456789abcdef01234567"


@pytest.mark.parametrize(
    ("ref", "pushed", "concerned"),
    [
        (GitRef(branch="main"), "refs/heads/main", True),
        (GitRef(branch="main"), "refs/heads/main2", False),
        (GitRef(branch="main"), "refs/heads/feature/main", False),
        (GitRef(branch="main"), "refs/tags/main", False),
        (GitRef(branch="release/1.x"), "refs/heads/release/1.x", True),
        (GitRef(branch="release/1.x"), "refs/heads/release", False),
        (GitRef(tag="v1.0.0"), "refs/tags/v1.0.0", True),
        (GitRef(tag="v1.0.0"), "refs/tags/v1.0.1", False),
        (GitRef(tag="v1.0.0"), "refs/heads/v1.0.0", False),
        (GitRef(semver=">=1.0.0"), "refs/tags/v2.3.4", True),
        (GitRef(semver=">=1.0.0"), "refs/tags/not-a-version", True),
        (GitRef(semver=">=1.0.0"), "refs/heads/main", False),
        (GitRef(commit=COMMIT), "refs/heads/main", False),
        (GitRef(commit=COMMIT), f"refs/tags/{COMMIT}", False),
        (GitRef(branch="main"), None, True),
        (GitRef(tag="v1.0.0"), None, True),
        (GitRef(semver="1.x"), None, True),
        (GitRef(commit=COMMIT), None, False),
    ],
)
def test_a_push_concerns_a_source_only_if_it_can_change_the_followed_ref(
    ref: GitRef, pushed: str | None, concerned: bool
) -> None:
    assert ref_concerns(ref, pushed) is concerned


@pytest.fixture(scope="module")
def config() -> LoadedConfig:
    loaded = load_config(Path(__file__).parent / "fixtures" / "config.yaml")
    assert loaded.errors == ()
    return loaded


def refreshed(config: LoadedConfig, verdict: Verdict) -> list[str]:
    receiver = config.receiver("app")
    assert receiver is not None
    return [str(s.id) for s in sources_to_refresh(config, receiver, verdict)]


@pytest.mark.parametrize(
    ("event", "pushed", "sources"),
    [
        (HookEvent.PUSH, "refs/heads/main", ["GitSource/main-branch"]),
        (HookEvent.PUSH, "refs/heads/develop", []),
        (
            HookEvent.TAG_PUSH,
            "refs/tags/v1.0.0",
            ["GitSource/pinned-tag", "GitSource/version-range"],
        ),
        (HookEvent.TAG_PUSH, "refs/tags/v1.5.0", ["GitSource/version-range"]),
        (
            HookEvent.PUSH,
            None,
            ["GitSource/main-branch", "GitSource/pinned-tag", "GitSource/version-range"],
        ),
    ],
)
def test_an_accepted_push_refreshes_the_listed_sources_it_concerns(
    config: LoadedConfig, event: HookEvent, pushed: str | None, sources: list[str]
) -> None:
    verdict = Verdict(Outcome.ACCEPTED, "accepted", event, pushed)
    assert refreshed(config, verdict) == sources


@pytest.mark.parametrize("outcome", [o for o in Outcome if o is not Outcome.ACCEPTED])
def test_a_request_that_is_not_accepted_refreshes_nothing(
    config: LoadedConfig, outcome: Outcome
) -> None:
    assert refreshed(config, Verdict(outcome, "no")) == []


def test_a_hook_signed_with_the_configured_secret_refreshes_its_branch(
    config: LoadedConfig,
) -> None:
    receiver = config.receiver("app")
    assert receiver is not None
    body = json.dumps({"ref": "refs/heads/main"}).encode()
    mac = hmac.new(b"0c9a7f1e3b5d", body, hashlib.sha256).hexdigest()
    headers = {"X-Hub-Signature-256": f"sha256={mac}", "X-GitHub-Event": "push"}
    secret = config.receiver_secret(receiver)
    verdict = verify(receiver.spec.type, secret, headers, body, receiver.spec.events)
    assert verdict.outcome is Outcome.ACCEPTED
    assert refreshed(config, verdict) == ["GitSource/main-branch"]


def test_public_api_is_pinned() -> None:
    assert sorted(trueup.webhooks.__all__) == [
        "MAX_BODY_BYTES",
        "Outcome",
        "Verdict",
        "content_length_verdict",
        "image_repositories_to_refresh",
        "ref_concerns",
        "sources_to_refresh",
        "verify",
    ]
    assert trueup.webhooks.MAX_BODY_BYTES == 1024 * 1024

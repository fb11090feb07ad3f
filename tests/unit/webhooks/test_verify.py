"""verify over a table of requests per forge: every outcome, in the order the steps run."""

from __future__ import annotations

import hashlib
import hmac
from pathlib import Path
from typing import Any

import pytest
import yaml

from trueup.config import HookEvent, ReceiverType
from trueup.webhooks import MAX_BODY_BYTES, Outcome, Verdict, verify

FORGES = [t for t in ReceiverType if t is not ReceiverType.REGISTRY]
"""Receivers of Git pushes; a registry's notifications are tested in test_registry_hooks."""

SECRET = b"It's a secret to everybody"
OTHER_SECRET = b"It's a secret to somebody"
CASES: list[dict[str, Any]] = yaml.safe_load(
    (Path(__file__).parent / "fixtures" / "requests.yaml").read_text()
)
STATUS = {"ACCEPTED": 200, "IGNORED": 200, "BAD_REQUEST": 400, "UNAUTHORIZED": 401}
STATUS["TOO_LARGE"] = 413


def digest(secret: bytes, body: bytes) -> str:
    return hmac.new(secret, body, hashlib.sha256).hexdigest()


def fill(value: str, body: bytes) -> str:
    own, other = digest(SECRET, body), digest(OTHER_SECRET, body)
    token = SECRET.decode()
    return (
        value.replace("{hmac}", own)
        .replace("{HMAC}", own.upper())
        .replace("{other_hmac}", other)
        .replace("{token}", token)
        .replace("{TOKEN}", token.upper())
    )


def request(case: dict[str, Any]) -> tuple[dict[str, str], bytes]:
    raw = case.get("body", "")
    body = raw if isinstance(raw, bytes) else raw.encode()
    return {name: fill(value, body) for name, value in case["headers"].items()}, body


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_each_request_gets_the_verdict_of_its_first_failing_step(case: dict[str, Any]) -> None:
    headers, body = request(case)
    events = [HookEvent(e) for e in case.get("events", ["push"])]
    verdict = verify(ReceiverType(case["type"]), SECRET, headers, body, events)
    assert verdict.outcome is Outcome[case["outcome"]], verdict.message
    assert verdict.status == STATUS[case["outcome"]]
    if verdict.outcome is Outcome.ACCEPTED:
        assert verdict.event is HookEvent(case["event"])
        assert verdict.ref == case["ref"]
    else:
        assert (verdict.event, verdict.ref) == (None, None)
    assert case.get("message", "") in verdict.message
    shown = verdict.message.lower()
    assert SECRET.decode().lower() not in shown
    assert digest(SECRET, body) not in shown
    assert digest(OTHER_SECRET, body) not in shown


def test_every_forge_and_outcome_is_in_the_table() -> None:
    seen = {(c["type"], c["outcome"]) for c in CASES}
    assert seen == {(t.value, o.name) for t in FORGES for o in Outcome}


@pytest.mark.parametrize("receiver_type", FORGES)
def test_a_body_over_the_limit_is_too_large_even_when_signed_and_without_content_length(
    receiver_type: ReceiverType,
) -> None:
    body = b'{"ref": "refs/heads/main", "pad": "' + b"x" * MAX_BODY_BYTES + b'"}'
    headers = {
        "X-Hub-Signature-256": f"sha256={digest(SECRET, body)}",
        "X-Gitea-Signature": digest(SECRET, body),
        "X-Signature": f"sha256={digest(SECRET, body)}",
        "X-Gitlab-Token": SECRET.decode(),
        "X-GitHub-Event": "push",
        "X-Gitea-Event": "push",
        "X-Gitlab-Event": "Push Hook",
    }
    verdict = verify(receiver_type, SECRET, headers, body, [HookEvent.PUSH])
    assert verdict.outcome is Outcome.TOO_LARGE
    assert verdict.status == 413


@pytest.mark.parametrize("receiver_type", FORGES)
@pytest.mark.parametrize("empty_digest", [False, True], ids=["hmac under ''", "no digest"])
def test_an_empty_secret_authenticates_nothing(
    receiver_type: ReceiverType, empty_digest: bool
) -> None:
    body = b'{"ref": "refs/heads/main"}'
    mac = "" if empty_digest else digest(b"", body)
    headers = {
        "X-Hub-Signature-256": f"sha256={mac}",
        "X-Gitea-Signature": mac,
        "X-Signature": f"sha256={mac}",
        "X-Gitlab-Token": "",
        "X-GitHub-Event": "push",
        "X-Gitea-Event": "push",
        "X-Gitlab-Event": "Push Hook",
    }
    verdict = verify(receiver_type, b"", headers, body, [HookEvent.PUSH])
    assert verdict.outcome is Outcome.UNAUTHORIZED


def signed_github(body: bytes, **more: str) -> dict[str, str]:
    return {"X-Hub-Signature-256": f"sha256={digest(SECRET, body)}", **more}


def test_a_signature_given_twice_with_different_values_counts_as_missing() -> None:
    body = b'{"ref": "refs/heads/main"}'
    headers = signed_github(body, **{"x-hub-signature-256": "sha256=00", "X-GitHub-Event": "push"})
    verdict = verify(ReceiverType.GITHUB, SECRET, headers, body, [HookEvent.PUSH])
    assert verdict.outcome is Outcome.UNAUTHORIZED
    assert "given twice" in verdict.message


def test_a_header_repeated_with_the_same_value_is_one_header() -> None:
    body = b'{"ref": "refs/heads/main"}'
    headers = signed_github(
        body, **{"x-hub-signature-256": signed_github(body)["X-Hub-Signature-256"]}
    )
    headers |= {"X-GitHub-Event": "push", "x-github-event": "push"}
    verdict = verify(ReceiverType.GITHUB, SECRET, headers, body, [HookEvent.PUSH])
    assert verdict.outcome is Outcome.ACCEPTED


def test_content_length_given_twice_with_different_values_is_a_bad_request() -> None:
    body = b'{"ref": "refs/heads/main"}'
    headers = signed_github(body, **{"Content-Length": "26", "content-length": "2"})
    verdict = verify(ReceiverType.GITHUB, SECRET, headers, body, [HookEvent.PUSH])
    assert verdict.outcome is Outcome.BAD_REQUEST


@pytest.mark.parametrize(
    "body",
    [
        b"[" * 100_000 + b"]" * 100_000,
        b'{"a":' * 5_000 + b"1" + b"}" * 5_000,
        b'{"ref": "refs/heads/main"' + b"," * 1000 + b"}",
        b'{"ref": "refs/heads/\\ud800"}',
        b"\xef\xbb\xbf{}",
        b'{"ref": "refs/heads/' + b"a" * 300 + b'"}',
        b'{"ref": "refs/heads/main", "size": 1e999}',
    ],
    ids=[
        "deep lists",
        "deep objects",
        "trailing commas",
        "lone surrogate",
        "byte order mark",
        "ref too long",
        "infinite number",
    ],
)
def test_bodies_that_are_no_usable_push_are_bad_requests(body: bytes) -> None:
    headers = signed_github(body, **{"X-GitHub-Event": "push"})
    verdict = verify(ReceiverType.GITHUB, SECRET, headers, body, [HookEvent.PUSH])
    assert verdict.outcome is Outcome.BAD_REQUEST
    assert len(verdict.message) < 200


def test_huge_and_odd_headers_give_a_verdict() -> None:
    body = b'{"ref": "refs/heads/main"}'
    headers = {
        "X-Hub-Signature-256": "sha256=" + "é" * 1_000_000,
        "X-GitHub-Event": "\x00" * 1_000_000,
        "X" * 100_000: "y" * 100_000,
    }
    verdict = verify(ReceiverType.GITHUB, SECRET, headers, body, [HookEvent.PUSH])
    assert verdict.outcome is Outcome.UNAUTHORIZED
    assert len(verdict.message) < 200


def test_an_accepted_verdict_says_what_was_pushed() -> None:
    body = b'{"ref": "refs/heads/main"}'
    headers = signed_github(body, **{"X-GitHub-Event": "push"})
    verdict = verify(ReceiverType.GITHUB, SECRET, headers, body, [HookEvent.PUSH])
    assert verdict == Verdict(
        Outcome.ACCEPTED, "push of refs/heads/main accepted", HookEvent.PUSH, "refs/heads/main"
    )

"""verify never raises: for any headers and body it answers 200, 400, 401 or 413, only a
request signed with the secret gets past 401, and a signed push of a valid ref is accepted."""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from trueup.config import HookEvent, ReceiverType
from trueup.webhooks import Outcome, Verdict, content_length_verdict, verify

SECRET = b"fuzz-secret-4b1d"
STATUSES = {200, 400, 401, 413}

header_names = st.one_of(
    st.sampled_from(
        [
            "X-Hub-Signature-256",
            "x-hub-signature-256",
            "X-GitHub-Event",
            "X-Gitea-Signature",
            "X-Forgejo-Signature",
            "X-Gitea-Event",
            "X-Forgejo-Event",
            "X-Gitlab-Token",
            "X-Gitlab-Event",
            "X-Signature",
            "Content-Length",
            "content-length",
        ]
    ),
    st.text(max_size=30),
)
header_values = st.one_of(
    st.sampled_from(["push", "ping", "Push Hook", "Tag Push Hook", "sha256=", "0", "-1"]),
    st.text(max_size=200),
    st.binary(min_size=32, max_size=32).map(lambda b: f"sha256={b.hex()}"),
    st.integers(min_value=0, max_value=10**30).map(str),
)
headers_strategy = st.dictionaries(header_names, header_values, max_size=8)
events_strategy = st.sets(st.sampled_from(list(HookEvent)), min_size=1)


def json_of(text: st.SearchStrategy[str]) -> st.SearchStrategy[Any]:
    """JSON values with strings from ``text``."""
    scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | text
    return st.recursive(
        scalars.filter(lambda v: v not in (float("inf"), float("-inf"))),
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(text, inner, max_size=4),
        max_leaves=30,
    )


json_values = json_of(st.text())
clean_json = json_of(st.text(st.characters(blacklist_categories=["Cs"])))
ref_parts = st.text("abcxyz019", min_size=1, max_size=12)
valid_refs = st.builds(
    lambda kind, parts: f"refs/{kind}/{'/'.join(parts)}",
    st.sampled_from(["heads", "tags"]),
    st.lists(ref_parts, min_size=1, max_size=3),
)
any_refs = st.one_of(valid_refs, st.text(max_size=60), json_values)


FORGES = [t for t in ReceiverType if t is not ReceiverType.REGISTRY]
"""Receivers of Git pushes; a registry's notifications are tested in test_registry_hooks."""


def signed(receiver_type: ReceiverType, body: bytes, event: str) -> dict[str, str]:
    """Headers a forge of ``receiver_type`` would send for ``body`` with ``event``."""
    mac = hmac.new(SECRET, body, hashlib.sha256).hexdigest()
    return {
        ReceiverType.GITHUB: {"X-Hub-Signature-256": f"sha256={mac}", "X-GitHub-Event": event},
        ReceiverType.GITEA: {"X-Gitea-Signature": mac, "X-Gitea-Event": event},
        ReceiverType.GITLAB: {"X-Gitlab-Token": SECRET.decode(), "X-Gitlab-Event": event},
        ReceiverType.GENERIC: {"X-Signature": f"sha256={mac}"},
    }[receiver_type]


def push_event(receiver_type: ReceiverType) -> str:
    return "Push Hook" if receiver_type is ReceiverType.GITLAB else "push"


def check(verdict: Verdict) -> None:
    assert verdict.status in STATUSES
    assert (
        verdict.status
        == {
            Outcome.ACCEPTED: 200,
            Outcome.IGNORED: 200,
            Outcome.BAD_REQUEST: 400,
            Outcome.UNAUTHORIZED: 401,
            Outcome.TOO_LARGE: 413,
        }[verdict.outcome]
    )
    assert len(verdict.message) <= 400
    if verdict.outcome is Outcome.ACCEPTED:
        assert verdict.event is not None
        assert verdict.ref is None or verdict.ref.startswith("refs/")
    assert SECRET.decode() not in verdict.message


@given(
    receiver_type=st.sampled_from(FORGES),
    headers=headers_strategy,
    body=st.binary(max_size=2048),
    events=events_strategy,
)
def test_unsigned_requests_never_get_past_authentication(
    receiver_type: ReceiverType, headers: dict[str, str], body: bytes, events: set[HookEvent]
) -> None:
    verdict = verify(receiver_type, SECRET, headers, body, events)
    check(verdict)
    assert verdict.outcome in (Outcome.UNAUTHORIZED, Outcome.TOO_LARGE, Outcome.BAD_REQUEST)


@given(
    receiver_type=st.sampled_from(FORGES),
    body=st.binary(max_size=2048),
    event=st.one_of(st.sampled_from(["push", "Push Hook", "Tag Push Hook", "ping"]), st.text()),
    extra=headers_strategy,
    events=events_strategy,
)
def test_signed_arbitrary_bytes_are_read_and_never_unauthorized(
    receiver_type: ReceiverType,
    body: bytes,
    event: str,
    extra: dict[str, str],
    events: set[HookEvent],
) -> None:
    # The fuzzed extra headers go first: the forge's own ones (case as sent) win.
    extra = {k: v for k, v in extra.items() if k.lower() not in _forge_header_names()}
    headers = extra | signed(receiver_type, body, event)
    verdict = verify(receiver_type, SECRET, headers, body, events)
    check(verdict)
    assert verdict.outcome is not Outcome.UNAUTHORIZED


@given(
    receiver_type=st.sampled_from(FORGES),
    payload=st.one_of(
        json_values,
        st.builds(
            lambda ref, rest: {**rest, "ref": ref},
            any_refs,
            st.dictionaries(st.text(), json_values, max_size=4),
        ),
    ),
    ensure_ascii=st.booleans(),
    events=events_strategy,
)
def test_signed_arbitrary_json_is_parsed_and_never_raises(
    receiver_type: ReceiverType, payload: Any, ensure_ascii: bool, events: set[HookEvent]
) -> None:
    body = json.dumps(payload, ensure_ascii=ensure_ascii).encode("utf-8", "surrogatepass")
    headers = signed(receiver_type, body, push_event(receiver_type))
    verdict = verify(receiver_type, SECRET, headers, body, events)
    check(verdict)
    assert verdict.outcome is not Outcome.UNAUTHORIZED
    if not isinstance(payload, dict):
        assert verdict.outcome is Outcome.BAD_REQUEST


@given(
    receiver_type=st.sampled_from(FORGES),
    ref=valid_refs,
    rest=st.dictionaries(st.text(), clean_json, max_size=4),
)
def test_a_signed_push_of_a_valid_ref_is_accepted_with_that_ref(
    receiver_type: ReceiverType, ref: str, rest: dict[str, Any]
) -> None:
    body = json.dumps({**rest, "ref": ref}).encode()
    headers = signed(receiver_type, body, push_event(receiver_type))
    verdict = verify(receiver_type, SECRET, headers, body, [HookEvent.PUSH])
    assert verdict.outcome is Outcome.ACCEPTED, verdict.message
    assert verdict.ref == ref
    tag = ref.startswith("refs/tags/")
    assert verdict.event is (HookEvent.TAG_PUSH if tag else HookEvent.PUSH)


@given(headers=headers_strategy)
def test_content_length_verdict_never_raises(headers: dict[str, str]) -> None:
    verdict = content_length_verdict(headers)
    assert verdict is None or verdict.outcome in (Outcome.BAD_REQUEST, Outcome.TOO_LARGE)


def _forge_header_names() -> set[str]:
    return {
        "x-hub-signature-256",
        "x-github-event",
        "x-gitea-signature",
        "x-forgejo-signature",
        "x-gitea-event",
        "x-forgejo-event",
        "x-gitlab-token",
        "x-gitlab-event",
        "x-signature",
    }

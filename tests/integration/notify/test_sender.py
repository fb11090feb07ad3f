"""The real sender against a loopback endpoint: delivered, a 500 worth retrying, a slow
endpoint cut off at the Provider's timeout, and a redirect not followed (nothing is sent to
where it points)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.servers.notify_receiver import NotifyReceiver
from trueup.notify.payloads import Request
from trueup.notify.sender import HttpSender, Result

pytestmark = pytest.mark.anyio

REQUEST = Request(b'{"message": "hello"}', {"Content-Type": "application/json"})


@pytest.fixture
def receiver() -> Iterator[NotifyReceiver]:
    with NotifyReceiver(slow_seconds=2.0) as server:
        yield server


async def test_answers_become_outcomes_and_redirects_are_not_followed(
    receiver: NotifyReceiver,
) -> None:
    sender = HttpSender()
    try:
        ok = await sender.send(receiver.url("/ok/a"), REQUEST, 10)
        failed = await sender.send(receiver.url("/fail/a"), REQUEST, 10)
        redirected = await sender.send(receiver.url("/redirect/a"), REQUEST, 10)
        slow = await sender.send(receiver.url("/slow/a"), REQUEST, 0.5)
    finally:
        await sender.aclose()
    assert ok.result is Result.DELIVERED
    assert failed.result is Result.TEMPORARY
    assert redirected.result is Result.PERMANENT
    assert slow.result is Result.TEMPORARY
    assert slow.message == "no answer within 0.5 s"
    assert receiver.requests("/ok/a-redirected") == []
    assert receiver.requests("/ok/a")[0].body == REQUEST.body


async def test_an_unreachable_endpoint_is_worth_retrying_and_its_url_is_not_repeated() -> None:
    from tests.servers.webhook import closed_port

    url = f"http://127.0.0.1:{closed_port()}/secret-path-1234"
    sender = HttpSender()
    try:
        outcome = await sender.send(url, REQUEST, 5)
    finally:
        await sender.aclose()
    assert outcome.result is Result.TEMPORARY
    assert "secret-path-1234" not in outcome.message

"""``verify``: one webhook request, checked step by step, to one :class:`Verdict`.

The steps, and the first one that fails decides: the size (413), the signature or token
(401), the event header (400 when missing; a ping or an event other than a push is
IGNORED), the body (400 unless a JSON object with a valid ``ref``), and last whether
``spec.events`` selects the push (IGNORED if not). Pure; it never raises, whatever the input.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

from trueup.config.receiver import HookEvent, ReceiverType
from trueup.webhooks.events import ForgeEvent, event_of
from trueup.webhooks.headers import Headers, content_length_verdict, too_large
from trueup.webhooks.model import MAX_BODY_BYTES, Outcome, Verdict
from trueup.webhooks.payloads import TAGS, PayloadError, pushed_ref
from trueup.webhooks.registry_events import registry_verdict
from trueup.webhooks.signatures import authentication_problem


def verify(
    receiver_type: ReceiverType,
    secret: bytes,
    headers: Mapping[str, str],
    body: bytes,
    events: Collection[HookEvent],
) -> Verdict:
    """The answer to a request with ``headers`` and ``body`` sent to a Receiver.

    ``secret`` is the Receiver's shared secret (``LoadedConfig.receiver_secret``),
    ``events`` its ``spec.events``. Header names are matched in any case.
    """
    too_big = content_length_verdict(headers)
    if too_big is not None:
        return too_big
    if len(body) > MAX_BODY_BYTES:
        return too_large()
    given = Headers.of(headers)
    if receiver_type is ReceiverType.REGISTRY:
        return registry_verdict(secret, given, body, events)
    problem = authentication_problem(receiver_type, secret, given, body)
    if problem is not None:
        return Verdict(Outcome.UNAUTHORIZED, problem)
    event = event_of(receiver_type, given)
    if isinstance(event, str):
        return Verdict(Outcome.BAD_REQUEST, event)
    if event.push is None:
        return _ignored_event(event)
    try:
        ref = pushed_ref(body, required=receiver_type is not ReceiverType.GENERIC)
    except PayloadError as e:
        return Verdict(Outcome.BAD_REQUEST, str(e))
    push = HookEvent.TAG_PUSH if ref is not None and ref.startswith(TAGS) else event.push
    what = f"{push} of {ref}" if ref is not None else f"{push} naming no ref (every source)"
    if not push.selected_by(frozenset(events)):
        listed = ", ".join(sorted(events))
        return Verdict(Outcome.IGNORED, f"{what} ignored: this Receiver's events are {listed}")
    return Verdict(Outcome.ACCEPTED, f"{what} accepted", push, ref)


def _ignored_event(event: ForgeEvent) -> Verdict:
    if event.name == "ping":
        return Verdict(Outcome.IGNORED, "ping received: push events will refresh the sources")
    return Verdict(Outcome.IGNORED, f"the event {event.shown} is no push; nothing to do")

"""Webhooks: whether a request to ``POST /hooks/<receiver>`` is an authentic push, and
which of the Receiver's sources it concerns. Pure: the daemon serves HTTP and refreshes.

- :mod:`~trueup.webhooks.model`: :class:`Outcome`, :class:`Verdict`, :data:`MAX_BODY_BYTES`;
- :mod:`~trueup.webhooks.headers`: case-insensitive headers, :func:`content_length_verdict`;
- :mod:`~trueup.webhooks.signatures`: each forge's signature or token;
- :mod:`~trueup.webhooks.events`: each forge's event header, in trueup's words;
- :mod:`~trueup.webhooks.payloads`: the ``ref`` of a push body, and nothing else;
- :mod:`~trueup.webhooks.registry_events`: a registry's push notifications (``registry``);
- :mod:`~trueup.webhooks.verify`: :func:`verify`, the steps in order;
- :mod:`~trueup.webhooks.refs`: :func:`ref_concerns`, :func:`sources_to_refresh`,
  :func:`image_repositories_to_refresh`.

The payload only selects sources: revisions always come from Git itself.
"""

from __future__ import annotations

from trueup.webhooks.headers import content_length_verdict
from trueup.webhooks.model import MAX_BODY_BYTES, Outcome, Verdict
from trueup.webhooks.refs import image_repositories_to_refresh, ref_concerns, sources_to_refresh
from trueup.webhooks.verify import verify

__all__ = [
    "MAX_BODY_BYTES",
    "Outcome",
    "Verdict",
    "content_length_verdict",
    "image_repositories_to_refresh",
    "ref_concerns",
    "sources_to_refresh",
    "verify",
]

"""Whether a request comes from the holder of the Receiver's secret, per forge.

- github: ``X-Hub-Signature-256: sha256=<hex>``, the HMAC-SHA256 of the raw body;
- gitea: ``X-Gitea-Signature`` and/or ``X-Forgejo-Signature: <hex>``, the same HMAC
  without prefix (every one present must match);
- gitlab: ``X-Gitlab-Token``, the secret itself;
- generic: ``X-Signature: sha256=<hex>``, as github.

Digests and tokens are compared in constant time. An empty secret authenticates nothing.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Final

from trueup.config.receiver import ReceiverType
from trueup.webhooks.headers import Headers

_SIGNED_BY: Final[dict[ReceiverType, tuple[tuple[str, str], ...]]] = {
    ReceiverType.GITHUB: (("X-Hub-Signature-256", "sha256="),),
    ReceiverType.GITEA: (("X-Gitea-Signature", ""), ("X-Forgejo-Signature", "")),
    ReceiverType.GENERIC: (("X-Signature", "sha256="),),
}
"""HMAC signature headers of each forge: ``(name, prefix before the hex digest)``."""

GITLAB_TOKEN: Final = "X-Gitlab-Token"  # noqa: S105 - a header name


def authentication_problem(
    receiver_type: ReceiverType, secret: bytes, headers: Headers, body: bytes
) -> str | None:
    """Why the request is not authentic (a message safe to show), or None if it is."""
    if receiver_type is ReceiverType.GITLAB:
        return _token_problem(secret, headers)
    signed_by = _SIGNED_BY[receiver_type]
    given = [(name, prefix, headers.get(name.lower())) for name, prefix in signed_by]
    present = [(name, prefix, value) for name, prefix, value in given if value is not None]
    names = " or ".join(name for name, _prefix in signed_by)
    if not present:
        return f"no {names} header (or one given twice): give the hook the Receiver's secret"
    expected = hmac.new(secret, body, hashlib.sha256).hexdigest() if secret else ""
    for name, prefix, value in present:
        if not (expected and _digest_matches(expected, prefix, value)):
            return f"{name} does not match the body signed with the Receiver's secret"
    return None


def _digest_matches(expected: str, prefix: str, value: str) -> bool:
    if value[: len(prefix)].lower() != prefix:
        return False
    digest = value[len(prefix) :].lower()
    # compare_digest takes ASCII text only; any other character is no hex digest anyway.
    return digest.isascii() and hmac.compare_digest(expected, digest)


def _token_problem(secret: bytes, headers: Headers) -> str | None:
    token = headers.get(GITLAB_TOKEN.lower())
    if token is None:
        return f"no {GITLAB_TOKEN} header (or one given twice): give the hook the Receiver's secret"
    # The loader allows GitLab only printable ASCII tokens, which every server reads alike.
    if not (secret and token.isascii() and hmac.compare_digest(token.encode(), secret)):
        return f"{GITLAB_TOKEN} does not match the Receiver's secret"
    return None

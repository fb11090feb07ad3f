"""Turn API server answers and transport failures into trueup's errors, where they enter.

A failed response carries a ``Status`` object (``reason``, ``message``, ``details``);
its HTTP code picks the error class, its reason and message go into the error, next to
the object id (``Kind/namespace/name``) and a hint of what to do. 429, 5xx, timeouts and
connection failures are temporary (:class:`~trueup.errors.TargetUnavailableError`, with
the server's ``Retry-After``); everything else is permanent.

A few answers mean something other than their code says, and are recognised by message
first: an admission webhook or policy that *denied* the request is permanent
(:class:`~trueup.errors.AdmissionDeniedError`, whatever code the webhook chose); a webhook
that could not be *called* (its service is not up yet) is temporary; and a server-side
apply patch that does not fit the schema (a string where a number belongs, or an unknown
field under strict validation) is invalid input naming the field, although the API
server answers some of them with a 500.
"""

from __future__ import annotations

import re
import ssl
from typing import Any

import httpx
import orjson

from trueup.errors import (
    AdmissionDeniedError,
    ObjectConflictError,
    ObjectInvalidError,
    ObjectNotFoundError,
    TargetError,
    TargetForbiddenError,
    TargetUnavailableError,
    TrueupError,
    WatchExpiredError,
)
from trueup.targets.kubernetes.http1 import Answer

# The API server words immutability differently per kind and field; these cover the
# built-in validators (generic fields, Service clusterIP, StatefulSet spec, PVC spec).
_IMMUTABLE_PHRASES = (
    "field is immutable",
    "is immutable after creation",
    "may not change once set",
    "updates to statefulset spec for fields other than",
)

_BODY_EXCERPT = 200

# "admission webhook "x" denied the request: …" (webhooks) and "ValidatingAdmissionPolicy
# 'x' with binding 'y' denied request: …" (admission policies).
_DENIED = re.compile(r"admission webhook \S+ denied the request|\bdenied request\b")
_WEBHOOK_UNREACHABLE = re.compile(r"failed calling webhook (\"[^\"]*\"|\S+)")
# "failed to create typed patch object (apps/v1, Kind=Deployment): .spec.replicas: …",
# one error, or "errors:" followed by one per line.
_TYPED_PATCH = re.compile(r"failed to create typed patch object(?: \([^)]*\))?: (.*)", re.S)
_STRICT_DECODING = re.compile(r"strict decoding error: (.*)", re.S)
_UNDECLARED = ": field not declared in schema"


def is_immutable_field_error(error: BaseException) -> bool:
    """Whether ``error`` is the server refusing a change to a field that cannot change."""
    return isinstance(error, ObjectInvalidError) and error.immutable


def mentions_immutable_field(message: str) -> bool:
    """Whether a server message says a field is immutable."""
    lowered = message.lower()
    return any(phrase in lowered for phrase in _IMMUTABLE_PHRASES)


def parse_status(body: bytes) -> dict[str, Any]:
    """The ``Status`` object in a response body, or {} if the body is not one."""
    try:
        status = orjson.loads(body)
    except orjson.JSONDecodeError:
        return {}
    return status if isinstance(status, dict) else {}


def _retry_after(response: Answer, status: dict[str, Any]) -> float | None:
    header = response.header("Retry-After")
    if header is not None:
        try:
            return max(0.0, float(header))
        except ValueError:
            pass  # an HTTP date: rare from the API server; fall back to the backoff
    seconds = (status.get("details") or {}).get("retryAfterSeconds")
    return float(seconds) if isinstance(seconds, int | float) else None


def error_from_response(response: Answer, object_id: str = "") -> TrueupError:
    """The error for a failed (non-2xx) ``response`` about ``object_id`` ('' for none)."""
    status = parse_status(response.content)
    if not status.get("message"):
        text = response.content[:_BODY_EXCERPT].decode("utf-8", "replace").strip()
        code = response.status_code
        status = {**status, "message": f"HTTP {code}" + (f": {text}" if text else "")}
    return error_from_status(
        response.status_code,
        status,
        object_id=object_id,
        subject=f"{response.method} {response.path}",
        retry_after=_retry_after(response, status),
    )


def error_from_status(
    code: int,
    status: dict[str, Any],
    *,
    object_id: str = "",
    subject: str = "",
    retry_after: float | None = None,
) -> TrueupError:
    """The error for a ``Status`` object with HTTP ``code`` (also found in watch events).

    ``subject`` names the request in the message when there is no ``object_id``.
    """
    reason = str(status.get("reason") or f"HTTP{code}")
    message = str(status.get("message") or "")
    subject = object_id or subject or "API server"
    what = f"{subject}: {reason}: {message}"
    fields: dict[str, Any] = {"reason": reason, "object_id": object_id, "status": code}
    if _DENIED.search(message):
        return AdmissionDeniedError(
            f"{subject}: {message}; change the object to satisfy the policy, "
            "or ask the policy's owner",
            **fields,
        )
    unreachable = _WEBHOOK_UNREACHABLE.search(message)
    if unreachable:
        return TargetUnavailableError(
            f"{what}; the admission webhook {unreachable.group(1)} could not be called "
            "(its service may not be up yet), trueup retries with backoff",
            retry_after=retry_after,
        )
    problems = _schema_mismatch(message)
    if problems:
        undeclared = tuple(
            problem.removesuffix(_UNDECLARED)
            for problem in problems
            if problem.endswith(_UNDECLARED)
        )
        shown = "; ".join(problem.removeprefix(".") for problem in problems)
        return ObjectInvalidError(
            f"{subject}: {shown}; fix the manifest", undeclared_fields=undeclared, **fields
        )
    if code == 429 or code >= 500:
        return TargetUnavailableError(
            f"{what}; the API server is overloaded or failing, trueup retries with backoff",
            retry_after=retry_after,
        )
    if code in (401, 403):
        return TargetForbiddenError(
            f"{what}; grant the permission to trueup's user or service account, "
            "or check the kubeconfig credentials",
            **fields,
        )
    if code == 404:
        return ObjectNotFoundError(what, **fields)
    if code == 409:
        return ObjectConflictError(what, **fields)
    if code == 410:
        return WatchExpiredError(f"{what}; list again and resume from the new version", **fields)
    if code == 422:
        immutable = mentions_immutable_field(message)
        hint = "; revert the field, or delete and re-create the object" if immutable else ""
        return ObjectInvalidError(what + hint, immutable=immutable, **fields)
    return TargetError(what, **fields)


def _schema_mismatch(message: str) -> list[str]:
    """Each problem (``.spec.replicas: expected numeric…``) when ``message`` says that the
    object does not fit its schema, else none."""
    found = _TYPED_PATCH.search(message) or _STRICT_DECODING.search(message)
    if found is None:
        return []
    lines = [line.strip() for line in found.group(1).splitlines()]
    return [line for line in lines if line and line != "errors:"]


def _caused_by_tls_verification(error: BaseException) -> bool:
    seen: BaseException | None = error
    while seen is not None:
        if isinstance(seen, ssl.SSLCertVerificationError):
            return True
        seen = seen.__cause__ or seen.__context__
    return "CERTIFICATE_VERIFY_FAILED" in str(error)


def error_from_transport(error: httpx.TransportError, server: str) -> TrueupError:
    """The error for a request to ``server`` that got no response at all."""
    kind = type(error).__name__
    if _caused_by_tls_verification(error):
        return TargetError(
            f"{server}: the API server's TLS certificate was not accepted ({error}); "
            "check the cluster's certificate-authority in the kubeconfig",
            reason="TLSVerificationFailed",
        )
    if isinstance(error, httpx.TimeoutException):
        return TargetUnavailableError(
            f"{server}: the API server did not answer in time ({kind}); trueup retries"
        )
    return TargetUnavailableError(
        f"{server}: cannot reach the API server ({kind}: {error}); "
        "check that the cluster is running and the kubeconfig's server address"
    )

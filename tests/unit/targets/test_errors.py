"""API server answers become trueup errors with the server's reason and the object id."""

from __future__ import annotations

import ssl
from typing import Any

import httpx
import orjson
import pytest

import trueup.errors
from trueup.errors import ObjectInvalidError, TargetError, TargetUnavailableError
from trueup.targets.kubernetes.errors import (
    error_from_response,
    error_from_transport,
    is_immutable_field_error,
)
from trueup.targets.kubernetes.http1 import Answer

from .cases import load_cases


@pytest.mark.parametrize("case", load_cases("statuses.yaml"))
def test_a_failed_response_becomes_the_matching_error(case: dict[str, Any]) -> None:
    body = case["body"].encode() if "body" in case else orjson.dumps(case["status"])
    request = httpx.Request("PATCH", "https://k8s/apis/apps/v1/namespaces/shop/deployments/web")
    response = httpx.Response(
        case["code"], content=body, headers=case.get("headers"), request=request
    )
    error = error_from_response(Answer.of(response), "Deployment/shop/web")
    assert type(error) is getattr(trueup.errors, case["error"])
    assert case["message"] in str(error)
    if isinstance(error, TargetError):
        assert error.object_id == "Deployment/shop/web"
        assert error.status == case["code"]
    if "immutable" in case:
        assert is_immutable_field_error(error) is case["immutable"]
    if "undeclared" in case:
        assert isinstance(error, ObjectInvalidError)
        assert error.undeclared_fields == tuple(case["undeclared"])
    if "retry_after" in case:
        assert isinstance(error, TargetUnavailableError)
        assert error.retry_after == case["retry_after"]


def test_a_request_without_an_object_is_named_by_method_and_path() -> None:
    request = httpx.Request("GET", "https://k8s/apis/apps/v1/deployments?limit=500")
    response = httpx.Response(403, content=b"{}", request=request)
    error = error_from_response(Answer.of(response))
    assert str(error).startswith("GET /apis/apps/v1/deployments: ")


def test_a_rejected_server_certificate_is_permanent_and_points_at_the_ca() -> None:
    error = httpx.ConnectError("handshake failed")
    error.__cause__ = ssl.SSLCertVerificationError("certificate verify failed")
    translated = error_from_transport(error, "https://127.0.0.1:6443")
    assert type(translated) is TargetError
    assert "certificate-authority" in str(translated)


def test_a_timeout_is_temporary() -> None:
    translated = error_from_transport(httpx.ReadTimeout("slow"), "https://127.0.0.1:6443")
    assert isinstance(translated, TargetUnavailableError)
    assert "did not answer in time" in str(translated)


def test_a_connection_reset_is_temporary() -> None:
    reset = httpx.ReadError("[Errno 104] Connection reset by peer")
    translated = error_from_transport(reset, "https://127.0.0.1:6443")
    assert isinstance(translated, TargetUnavailableError)
    assert "Connection reset by peer" in str(translated)

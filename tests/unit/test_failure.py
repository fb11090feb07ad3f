"""Failures are typed: an error's class decides the reason, the reason decides retry or stop."""

from __future__ import annotations

import pytest

from trueup import errors
from trueup.failure import Failure, Reason


@pytest.mark.parametrize(
    ("error", "reason", "temporary"),
    [
        (errors.ConfigError("x"), Reason.CONFIG, False),
        (errors.SourceError("x"), Reason.SOURCE, False),
        (errors.SourceUnavailableError("x"), Reason.SOURCE_UNAVAILABLE, True),
        (errors.RenderError("x"), Reason.RENDER, False),
        (errors.PlanError("x"), Reason.PLAN, False),
        (errors.ObjectInvalidError("x"), Reason.INVALID, False),
        (errors.TargetForbiddenError("x"), Reason.FORBIDDEN, False),
        (errors.ObjectConflictError("x"), Reason.CONFLICT, False),
        (errors.AdmissionDeniedError("x"), Reason.DENIED, False),
        (errors.TargetError("x"), Reason.TARGET, False),
        (errors.TargetUnavailableError("x"), Reason.TARGET_UNAVAILABLE, True),
        (errors.TemporaryError("x"), Reason.TARGET_UNAVAILABLE, True),
    ],
)
def test_an_errors_class_decides_its_reason_and_whether_to_retry(
    error: errors.TrueupError, reason: Reason, temporary: bool
) -> None:
    failure = Failure.from_error(error)
    assert failure.reason is reason
    assert failure.temporary is temporary
    assert str(failure) == "x"

"""Why a reconcile failed, as a typed value: what kind of failure, and whether to retry.

Errors are raised as the classes of :mod:`trueup.errors`; once a failure has to outlive
its exception (in a report, in the history, in the daemon's retry policy, in an exit
code) it becomes a :class:`Failure`. Its :class:`Reason` decides whether the same attempt
may succeed later (:attr:`Failure.temporary`) or the user must change something first.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from trueup import errors


class Reason(StrEnum):
    """The class of a failure; each reason is either temporary or permanent."""

    CONFIG = "config"
    """trueup's own configuration is invalid or names something that does not exist."""
    SOURCE = "source"
    """The Git source was refused (URL, ref, path, credentials, signature)."""
    SOURCE_UNAVAILABLE = "source-unavailable"
    """Git could not be reached."""
    RENDER = "render"
    """The manifests could not be turned into objects."""
    PLAN = "plan"
    """The objects cannot be planned (duplicates, malformed ids, bad annotations)."""
    OWNERSHIP = "ownership"
    """An object belongs to another App, or may not be adopted."""
    DEPENDENCY = "dependency"
    """A dependency has not succeeded at its current revision yet."""
    INVALID = "invalid"
    """The target refused an object's content (schema, strict validation, immutable field)."""
    FORBIDDEN = "forbidden"
    """The target refused the credentials or a permission."""
    CONFLICT = "conflict"
    """The target reported a conflict (a uid precondition, an existing object)."""
    DENIED = "denied"
    """An admission webhook or policy denied the request."""
    TARGET = "target"
    """The target refused a request for another permanent reason."""
    TARGET_UNAVAILABLE = "target-unavailable"
    """The target could not be reached, was overloaded, or a webhook it calls was not up."""
    TIMEOUT = "timeout"
    """Objects did not become healthy in time."""
    DEADLINE = "deadline"
    """The whole reconcile took longer than its deadline and was stopped part-way."""
    DEGRADED = "degraded"
    """An object became Degraded while waiting for health."""
    STORE = "store"
    """The state database could not be used."""
    INTERRUPTED = "interrupted"
    """The process running the attempt ended before it finished."""
    LOCKED = "locked"
    """Another trueup process is reconciling the App (it holds the App's lock)."""

    @property
    def temporary(self) -> bool:
        """Whether retrying the same input later may succeed."""
        return self in _TEMPORARY


_TEMPORARY = frozenset(
    {
        Reason.SOURCE_UNAVAILABLE,
        Reason.DEPENDENCY,
        Reason.TARGET_UNAVAILABLE,
        Reason.TIMEOUT,
        Reason.DEADLINE,
        Reason.INTERRUPTED,
        Reason.LOCKED,
    }
)


@dataclass(frozen=True, slots=True)
class Failure:
    """One failure: its class and a message for people (already masked and bounded)."""

    reason: Reason
    message: str

    @property
    def temporary(self) -> bool:
        """Whether the same attempt may succeed later (see :attr:`Reason.temporary`)."""
        return self.reason.temporary

    def __str__(self) -> str:
        return self.message

    @classmethod
    def from_error(cls, error: errors.TrueupError) -> Failure:
        """The failure an error of :mod:`trueup.errors` stands for."""
        return cls(reason_of(error), str(error))


def reason_of(error: errors.TrueupError) -> Reason:
    """The reason class of an error raised by trueup (most specific class first)."""
    for kind, reason in _BY_CLASS:
        if isinstance(error, kind):
            return reason
    return Reason.TARGET_UNAVAILABLE if isinstance(error, errors.TemporaryError) else Reason.TARGET


_BY_CLASS: tuple[tuple[type[errors.TrueupError], Reason], ...] = (
    (errors.ConfigError, Reason.CONFIG),
    (errors.SourceUnavailableError, Reason.SOURCE_UNAVAILABLE),
    (errors.SourceError, Reason.SOURCE),
    (errors.RenderError, Reason.RENDER),
    (errors.PlanError, Reason.PLAN),
    (errors.OwnershipError, Reason.OWNERSHIP),
    (errors.StoreError, Reason.STORE),
    (errors.ObjectInvalidError, Reason.INVALID),
    (errors.TargetForbiddenError, Reason.FORBIDDEN),
    (errors.AdmissionDeniedError, Reason.DENIED),
    (errors.ObjectConflictError, Reason.CONFLICT),
    (errors.TargetUnavailableError, Reason.TARGET_UNAVAILABLE),
)

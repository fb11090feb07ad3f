"""Every error trueup raises on purpose.

::

    TrueupError
    ├── PermanentError          retrying the same input gives the same failure
    │   ├── ConfigError         trueup's own configuration objects are invalid
    │   ├── SourceError         a Git source is refused (bad URL, ref, path, signature)
    │   │   └── PushRejectedError   a push was refused for good (protected branch, hook, permission)
    │   ├── RenderError         the rendered manifests are unusable (syntax, limits, paths)
    │   ├── PlanError           the desired objects cannot be planned (duplicates, bad ids)
    │   ├── OwnershipError      an object belongs to another App, or may not be adopted
    │   ├── StoreError          the state database is unusable (newer schema, corrupt, closed)
    │   ├── DevClusterError     the local control plane cannot be built, started or stopped
    │   ├── ToolBuildError      a Go program trueup ships (Helm, sops, …) cannot be built
    │   ├── RegistryError       an image registry refused a request (auth, not found, limits)
    │   ├── ForgeError          a forge's REST API refused a request (401, 403, 404, 422, …)
    │   └── TargetError         the target refused a request (carries reason and object id)
    │       ├── ObjectNotFoundError     the object (or its kind) does not exist
    │       ├── ObjectConflictError     a conflict: field owners, uid precondition, exists
    │       ├── ObjectInvalidError      the object is invalid (``immutable`` for frozen fields)
    │       ├── TargetForbiddenError    the credentials lack a permission or are rejected
    │       ├── AdmissionDeniedError    an admission webhook or policy denied the request
    │       └── WatchExpiredError       a watch's resourceVersion is too old: list again
    └── TemporaryError          the same call may succeed later (network, 5xx, 429, timeouts)
        ├── SourceUnavailableError   Git could not be reached
        ├── PushConflictError        the branch kept moving under a push, or a lease is stale
        ├── TargetUnavailableError   the target (API server) could not be reached
        ├── RegistryUnavailableError an image registry could not be reached, or failed (5xx)
        ├── ForgeUnavailableError    a forge's REST API could not be reached (5xx, 429, timeout)
        └── NotLeaderError           this daemon no longer leads: it must not write

Every message names what it is about: the file (and line where known), the object as
``Kind/namespace/name``, and what the user can do about it. Third-party exceptions are
translated where they enter trueup (``raise X from e``).
"""

from __future__ import annotations


class TrueupError(Exception):
    """Base of every error trueup raises on purpose."""


class PermanentError(TrueupError):
    """Retrying with the same input gives the same failure; the user must change something."""


class TemporaryError(TrueupError):
    """The same operation may succeed later; callers retry with backoff."""


class ConfigError(PermanentError):
    """trueup's own configuration objects are missing or invalid."""


class SourceError(PermanentError):
    """A Git source was refused: bad URL, ref or path, failed signature check, auth failure."""


class RenderError(PermanentError):
    """Manifests at a path could not be turned into objects."""


class PlanError(PermanentError):
    """The desired objects cannot be planned, for example two objects share one id."""


class OwnershipError(PermanentError):
    """A desired object belongs to another App (or installation), or may not be adopted."""


class StoreError(PermanentError):
    """The state database cannot be used: written by a newer trueup, corrupt, or closed."""


class DevClusterError(PermanentError):
    """The local control plane could not be built, started or stopped."""


class ToolBuildError(PermanentError):
    """A Go program that trueup ships as a module could not be built (no Go, a failed build)."""


class ForgeError(PermanentError):
    """A forge (GitHub, GitLab, Gitea) refused a request for good: bad token, no permission,
    unknown repository or commit, invalid fields, or a redirect (never followed).

    ``status`` is the HTTP status code when there was one. The message never contains the
    token.
    """

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class ForgeUnavailableError(TemporaryError):
    """A forge could not be reached, timed out, answered 5xx or asked to slow down (429).

    ``retry_after`` is the delay in seconds the forge asked for, if any.
    """

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class RegistryError(PermanentError):
    """An image registry refused a request for good: credentials, a missing repository,
    an answer that is not the OCI distribution API, or more tags than trueup reads."""


class RegistryUnavailableError(TemporaryError):
    """An image registry could not be reached, was too slow, or failed (429, 5xx)."""


class SourceUnavailableError(TemporaryError):
    """Git could not be reached (network, 5xx, timeout); the last good revision stays."""


class PushRejectedError(SourceError):
    """The Git server refused a push for a reason retrying does not change.

    A protected branch, a server-side hook declining the update, or write credentials that
    are missing, wrong or lack permission. Never answered with a forced push.
    """


class PushConflictError(TemporaryError):
    """A push lost the race: the branch moved under every attempt, or a lease is stale.

    Someone else pushed in between; the write may succeed later on the new head.
    """


class TargetUnavailableError(TemporaryError):
    """The target could not be reached or asked us to slow down.

    ``retry_after`` is the delay in seconds the target asked for (HTTP ``Retry-After``), if any.
    """

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class TargetError(PermanentError):
    """The target refused a request for good; resending it unchanged fails the same way.

    ``reason`` is the target's short machine-readable reason (Kubernetes ``Status.reason``,
    such as ``Invalid``), ``object_id`` the object as ``Kind/namespace/name`` ('' when the
    request was about no single object), ``status`` the HTTP status code when there was one.
    """

    def __init__(
        self, message: str, *, reason: str = "", object_id: str = "", status: int | None = None
    ) -> None:
        super().__init__(message)
        self.reason = reason
        self.object_id = object_id
        self.status = status


class ObjectNotFoundError(TargetError):
    """The object, its namespace or its kind does not exist on the target."""


class ObjectConflictError(TargetError):
    """A conflict: another field manager owns a field, a uid precondition failed, or it exists."""


class ObjectInvalidError(TargetError):
    """The target rejected the object as invalid; ``immutable`` when a frozen field changed.

    ``undeclared_fields`` are the paths of fields the object's schema does not declare,
    as the target wrote them (``.spec.replica``), when that is what it refused.
    """

    def __init__(
        self,
        message: str,
        *,
        reason: str = "",
        object_id: str = "",
        status: int | None = None,
        immutable: bool = False,
        undeclared_fields: tuple[str, ...] = (),
    ) -> None:
        super().__init__(message, reason=reason, object_id=object_id, status=status)
        self.immutable = immutable
        self.undeclared_fields = undeclared_fields


class TargetForbiddenError(TargetError):
    """The credentials were rejected (401) or lack a permission (403)."""


class AdmissionDeniedError(TargetError):
    """An admission webhook or admission policy of the target denied the request.

    Permanent: the same object is denied again; the object or the policy must change.
    """


class WatchExpiredError(TargetError):
    """A watch or paged list started from a version the target no longer keeps: list again."""


class NotLeaderError(TemporaryError):
    """This process no longer leads its configuration, so a write to the target was refused.

    Raised by the write guard of a target (see ``trueup.daemon.leader``) when leadership was
    lost or not renewed in time: another ``trueup serve`` may be acting already. Temporary:
    the process campaigns again and retries once it leads.
    """

"""Which App owns an object: owner labels for selecting, a tracking annotation for deciding.

Every object trueup applies carries two kinds of marks:

- owner labels (``trueup.dev/app``, and ``trueup.dev/app-namespace`` when the App has a
  namespace), so that ``kubectl get -l trueup.dev/app=web`` finds an App's objects;
- the tracking annotation ``trueup.dev/tracking-id``, whose value names the installation
  (the store), the App and the object itself. Labels are copied by operators and Helm
  charts; the annotation names the object it sits on, so a copy on another object is
  recognised as such and belongs to no App.

An object without the annotation but with owner labels was applied by an earlier version
of trueup: the labels decide, and the next apply adds the annotation. :func:`claim_of` is
the one place that reads these marks; prune and the ownership check both rely on it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from trueup.errors import ConfigError
from trueup.objects import (
    LABEL_APP_NAME,
    LABEL_APP_NAMESPACE,
    TRACKING_ANNOTATION,
    Object,
    ObjectId,
    object_id,
)

_INSTALLATION_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,62}")

_LEGACY_NAMESPACE = "default"
"""What earlier versions wrote as the namespace label of an App without a namespace."""


@dataclass(frozen=True, order=True, slots=True)
class AppRef:
    """The App an object set belongs to: name, namespace ('' when none), installation."""

    name: str
    namespace: str = ""
    installation: str = ""
    """The id of the trueup installation (its store) that applies for this App."""

    def __str__(self) -> str:
        return f"App/{self.namespace}/{self.name}" if self.namespace else f"App/{self.name}"

    @property
    def key(self) -> str:
        """The App as written in the tracking annotation: ``namespace/name`` or ``name``."""
        return f"{self.namespace}/{self.name}" if self.namespace else self.name

    @property
    def labels(self) -> dict[str, str]:
        """The owner labels trueup puts on every object it applies for this app."""
        if not self.namespace:
            return {LABEL_APP_NAME: self.name}
        return {LABEL_APP_NAME: self.name, LABEL_APP_NAMESPACE: self.namespace}

    def tracking_id(self, oid: ObjectId) -> str:
        """The tracking annotation's value for object ``oid`` of this App."""
        return f"{self.installation}:{self.key}:{oid.group}/{oid.kind}:{oid.namespace}/{oid.name}"


class Claim(StrEnum):
    """What the marks on a live object say about who owns it, seen from one App."""

    OURS = "ours"
    """The tracking annotation names this installation, this App and this object."""
    LEGACY = "legacy"
    """No annotation, and the owner labels name this App (applied by an earlier version)."""
    UNOWNED = "unowned"
    """No trueup identity at all: created by someone else."""
    COPY = "copy"
    """The annotation names another object: copied from it, so no App's."""
    FOREIGN = "foreign"
    """Another App (or another installation) owns it."""


@dataclass(frozen=True, slots=True)
class Ownership:
    """A live object's :class:`Claim`, and the owner it names (for FOREIGN and COPY)."""

    claim: Claim
    owner: str = ""
    """FOREIGN: ``App/ns/name`` (and the installation when it is another one); COPY: the
    object the annotation names."""

    @property
    def ours(self) -> bool:
        """True when the object is this App's (tracked, or labelled by an earlier version)."""
        return self.claim in (Claim.OURS, Claim.LEGACY)


def check_installation_id(value: str, where: str) -> str:
    """``value`` if it can name an installation, else a ConfigError naming ``where``."""
    if not _INSTALLATION_ID.fullmatch(value):
        raise ConfigError(
            f"{where}: {value[:80]!r} is not a valid installation id; use 1 to 63 letters, "
            "digits, '.', '_' or '-', starting with a letter or digit"
        )
    return value


def annotations_of(obj: Object) -> dict[str, Any]:
    """The annotations of ``obj`` ({} when it has none or they are malformed)."""
    metadata = obj.get("metadata")
    annotations = metadata.get("annotations") if isinstance(metadata, dict) else None
    return annotations if isinstance(annotations, dict) else {}


def labels_of(obj: Object) -> dict[str, Any]:
    """The labels of ``obj`` ({} when it has none or they are malformed)."""
    metadata = obj.get("metadata")
    labels = metadata.get("labels") if isinstance(metadata, dict) else None
    return labels if isinstance(labels, dict) else {}


def owner_of(obj: Object) -> AppRef | None:
    """The App named by the owner labels of ``obj``, or None without ``trueup.dev/app``."""
    labels = labels_of(obj)
    name, namespace = labels.get(LABEL_APP_NAME), labels.get(LABEL_APP_NAMESPACE, "")
    if not isinstance(name, str) or not name or not isinstance(namespace, str):
        return None
    return AppRef(name=name, namespace=namespace)


def claim_of(live: Object, app: AppRef) -> Ownership:
    """Who owns ``live``, as seen from ``app`` (see the module docstring)."""
    tracking = annotations_of(live).get(TRACKING_ANNOTATION)
    if tracking is None:
        return _claim_by_labels(live, app)
    installation, app_key, object_part = _parse(str(tracking))
    own = app.tracking_id(object_id(live)).split(":", 2)[2]
    if object_part != own:
        return Ownership(Claim.COPY, object_part or "a malformed id")
    owner = _app_of_key(app_key)
    if installation != app.installation:
        return Ownership(Claim.FOREIGN, f"{owner} of trueup installation {installation!r}")
    if app_key != app.key:
        return Ownership(Claim.FOREIGN, owner)
    return Ownership(Claim.OURS)


def is_owned_by(obj: Object, app: AppRef) -> bool:
    """True when ``obj`` belongs to ``app`` (see :func:`claim_of`)."""
    return claim_of(obj, app).ours


def _claim_by_labels(live: Object, app: AppRef) -> Ownership:
    owner = owner_of(live)
    if owner is None:
        return Ownership(Claim.UNOWNED)
    same_namespace = owner.namespace == app.namespace or (
        not app.namespace and owner.namespace == _LEGACY_NAMESPACE
    )
    if owner.name == app.name and same_namespace:
        return Ownership(Claim.LEGACY)
    return Ownership(Claim.FOREIGN, str(owner))


def _parse(tracking: str) -> tuple[str, str, str]:
    """(installation, app key, ``group/kind:namespace/name``); '' for missing parts."""
    parts = tracking.split(":", 2)
    parts += [""] * (3 - len(parts))
    return parts[0], parts[1], parts[2]


def _app_of_key(key: str) -> str:
    namespace, _, name = key.rpartition("/")
    return str(AppRef(name=name, namespace=namespace))

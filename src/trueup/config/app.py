"""``App``: a path in a Git source, applied to one cluster, with its reconcile settings."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Annotated, Final, Literal, Self

from pydantic import AfterValidator, Field, StrictBool, model_validator
from pydantic_core import PydanticCustomError

from trueup.config.decryption import Decryption
from trueup.config.duration import PositiveDuration
from trueup.config.helm import HelmSpec
from trueup.config.kustomize import KustomizeSpec
from trueup.config.meta import (
    API_VERSION,
    ConfigModel,
    ConfigObject,
    Name,
    Namespace,
    check_repo_path,
)
from trueup.config.substitute import Variables
from trueup.config.value_refs import ObjectRef
from trueup.objects import FIELD_MANAGER, LABEL_APP_NAME, LABEL_APP_NAMESPACE, TRACKING_ANNOTATION

_MAX_APP_NAME = 63  # the name becomes the value of an owner label
_JSON_POINTER = re.compile(r"(/([^~/]|~[01])*)+")
"""RFC 6901 syntax, without the empty pointer (the whole object)."""


def _escaped(key: str) -> str:
    return key.replace("~", "~0").replace("/", "~1")


_UNIGNORABLE_POINTERS: Final = frozenset(
    {
        "/apiVersion",
        "/kind",
        "/metadata",
        "/metadata/name",
        "/metadata/namespace",
        f"/metadata/labels/{_escaped(LABEL_APP_NAME)}",
        f"/metadata/labels/{_escaped(LABEL_APP_NAMESPACE)}",
        f"/metadata/annotations/{_escaped(TRACKING_ANNOTATION)}",
    }
)
"""Pointers to what says which object it is and who owns it: never ignored."""


def _check_pointer(value: str) -> str:
    if not _JSON_POINTER.fullmatch(value):
        raise PydanticCustomError(
            "json_pointer",
            "'{value}' is not a JSON pointer to a field",
            {
                "value": value[:200],
                "hint": "write an RFC 6901 pointer such as /spec/replicas, with '~1' for a '/' "
                "and '~0' for a '~' inside a key",
            },
        )
    if value in _UNIGNORABLE_POINTERS:
        raise PydanticCustomError(
            "json_pointer_identity",
            "'{value}' names the object or trueup's owner marks, which cannot be ignored",
            {
                "value": value,
                "hint": "trueup keeps these as Git and the App say; name other fields",
            },
        )
    return value


def _check_not_empty(value: str) -> str:
    if not value:
        raise PydanticCustomError(
            "empty", "the value is empty", {"hint": "write it, or leave the field out"}
        )
    return value


def _check_manager(value: str) -> str:
    _check_not_empty(value)
    if value == FIELD_MANAGER:
        raise PydanticCustomError(
            "field_manager_trueup",
            "'{value}' is trueup's own field manager: ignoring its fields would ignore Git",
            {"value": value, "hint": "list the managers of the other writers"},
        )
    return value


def _check_kind(value: str) -> str:
    if not re.fullmatch(r"[A-Za-z][A-Za-z0-9]*", value):
        raise PydanticCustomError(
            "kind",
            "'{value}' is not a kind",
            {"value": value[:80], "hint": "write the kind as in the manifests: Deployment"},
        )
    return value


def _check_group(value: str) -> str:
    if "/" in value:
        raise PydanticCustomError(
            "group",
            "'{value}' is not an API group",
            {"value": value[:80], "hint": "write the group without a version: apps, not apps/v1"},
        )
    return value


class IgnoreTarget(ConfigModel):
    """The objects an ignore rule applies to: of ``kind``, and of each other field's value
    when it is set (exact matches; ``group: ""`` is the core group)."""

    kind: Annotated[str, AfterValidator(_check_kind)]
    group: Annotated[str, AfterValidator(_check_group)] | None = None
    name: Annotated[str, AfterValidator(_check_not_empty)] | None = None
    namespace: Namespace | None = None


class IgnoreDifferences(ConfigModel):
    """One entry of ``spec.ignoreDifferences``: fields of some objects whose live value
    wins over Git's, so that they are neither reported as drift nor overwritten."""

    target: IgnoreTarget
    json_pointers: tuple[Annotated[str, AfterValidator(_check_pointer)], ...] = ()
    """RFC 6901 pointers to the ignored fields (``/spec/replicas``)."""
    managed_fields_managers: tuple[Annotated[str, AfterValidator(_check_manager)], ...] = ()
    """Field managers (``managedFields[].manager``) whose fields are ignored."""

    @model_validator(mode="after")
    def _names_some_fields(self) -> Self:
        if not self.json_pointers and not self.managed_fields_managers:
            raise PydanticCustomError(
                "ignore_nothing",
                "an ignore rule needs jsonPointers or managedFieldsManagers",
                {"hint": "add jsonPointers: [/spec/replicas], say, or remove the rule"},
            )
        return self


class AppSpec(ConfigModel):
    """``spec`` of an ``App``; every field but ``source`` has a default."""

    source: Name
    """The name of a ``GitSource`` in the App's namespace."""
    path: Annotated[str, AfterValidator(check_repo_path)] = "."
    namespace: Namespace | None = None
    """The namespace for objects that name none."""
    prune: StrictBool = True
    self_heal: StrictBool = True
    auto_sync: StrictBool = True
    """Apply each new revision as the daemon finds it; with false, the daemon only compares
    (the App turns OutOfSync) and ``trueup sync`` applies."""
    interval: PositiveDuration = timedelta(minutes=5)
    timeout: PositiveDuration = timedelta(minutes=2)
    depends_on: tuple[Name, ...] = ()
    """Apps (in the same namespace) that must be ready before this one is applied."""
    suspend: StrictBool = False
    wait: StrictBool = False
    """Wait for every applied object to be healthy before the attempt succeeds."""
    force: StrictBool = False
    """Delete and recreate objects whose immutable fields changed."""
    allow_empty: StrictBool = False
    """Allow a render with no objects to prune everything the app owns."""
    field_validation: Literal["Strict", "Warn", "Ignore"] = "Strict"
    """What the server does with a field its schema does not declare (a typo): refuse the
    object (``Strict``), drop the field with a warning in the change set (``Warn``), or drop
    it silently (``Ignore``)."""
    adopt: StrictBool = True
    """Take over objects that exist without trueup's identity (reported ``adopted``); with
    false, such an object fails the sync, naming it, before anything is applied (unless it is
    annotated ``trueup.dev/takeover: "true"`` in Git)."""
    allow_cascade: StrictBool = False
    """Prune a Namespace or CRD even while it holds objects this app did not apply."""
    kubeconfig: str | None = None
    """Kubeconfig file of the target cluster; the default is the usual kubeconfig lookup."""
    context: str | None = None
    """Kubeconfig context of the target cluster; the default is its current context."""
    service_account_name: Name | None = None
    """A ServiceAccount in ``namespace`` whose permissions every request of the App has."""
    ignore_differences: tuple[IgnoreDifferences, ...] = ()
    """Fields whose live value wins over Git's on existing objects (see ``plan.ignore``)."""
    substitute: Variables = Field(default_factory=dict)
    """Variables replaced in the rendered objects (``${name}``); see ``render.substitute``."""
    substitute_from: tuple[ObjectRef, ...] = ()
    """ConfigMaps and Secrets of the target whose data are variables too (later ones win;
    ``substitute`` wins over all)."""
    substitute_strict: StrictBool = False
    """Fail the render on a ``${name}`` that is unset and has no default (else: empty)."""
    kustomize: KustomizeSpec = KustomizeSpec()
    """What the App's kustomizations may do (remote bases); see ``config.kustomize``."""
    decryption: Decryption | None = None
    """Decrypt SOPS-encrypted files while rendering, with the age keys of a Secret (see
    ``config.decryption``); without it a SOPS-encrypted file fails the render."""
    helm: HelmSpec | None = None
    """Render this Helm chart instead of the App's path (see ``config.helm``)."""

    @model_validator(mode="after")
    def _service_account_has_a_namespace(self) -> Self:
        if self.service_account_name and not self.namespace:
            raise PydanticCustomError(
                "service_account_namespace",
                "serviceAccountName needs spec.namespace, the namespace of the ServiceAccount",
                {"hint": "add spec.namespace: the namespace the App deploys to"},
            )
        return self

    @model_validator(mode="after")
    def _lookup_acts_as_a_service_account(self) -> Self:
        if self.helm is not None and self.helm.lookup and not self.service_account_name:
            raise PydanticCustomError(
                "helm_lookup_service_account",
                "helm.lookup reads the cluster while rendering and needs serviceAccountName: "
                "lookup never runs with trueup's own rights",
                {
                    "hint": "add spec.serviceAccountName, a ServiceAccount of spec.namespace "
                    "allowed to read what the chart looks up, or remove lookup"
                },
            )
        return self

    @property
    def substitutes(self) -> bool:
        """Whether the App opts in to substitution: any ``substitute*`` field is written."""
        return bool(self.model_fields_set & {"substitute", "substitute_from", "substitute_strict"})

    @property
    def impersonated_user(self) -> str | None:
        """``system:serviceaccount:<namespace>:<serviceAccountName>``, or None."""
        if not self.service_account_name or not self.namespace:
            return None
        return f"system:serviceaccount:{self.namespace}:{self.service_account_name}"


class App(ConfigObject):
    """An application: what to render from which source, and how to keep it in sync."""

    api_version: Literal["trueup.dev/v1alpha1"] = API_VERSION
    kind: Literal["App"] = "App"
    spec: AppSpec

    @model_validator(mode="after")
    def _name_fits_a_label(self) -> Self:
        if len(self.metadata.name) > _MAX_APP_NAME:
            raise PydanticCustomError(
                "app_name",
                "an App name must be at most 63 characters",
                {"hint": "shorten metadata.name: it becomes the value of a label on every object"},
            )
        return self

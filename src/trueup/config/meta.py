"""What every configuration object shares: the model settings, ``metadata``, names and refs."""

from __future__ import annotations

import re
from pathlib import PurePosixPath
from typing import Annotated, Final

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator
from pydantic.alias_generators import to_camel
from pydantic_core import PydanticCustomError

from trueup.objects import ObjectId

API_VERSION: Final = "trueup.dev/v1alpha1"
"""The ``apiVersion`` of trueup's own kinds."""

API_GROUP: Final = "trueup.dev"
"""The API group of trueup's own kinds."""

_DNS_SUBDOMAIN = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")
_DNS_LABEL = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?")


class ConfigModel(BaseModel):
    """Base of every configuration model: frozen, camelCase in YAML, unknown fields refused."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        alias_generator=to_camel,
        populate_by_name=True,
        hide_input_in_errors=True,
    )


def _check_name(value: str) -> str:
    if len(value) > 253 or not _DNS_SUBDOMAIN.fullmatch(value):
        raise PydanticCustomError(
            "name",
            "'{value}' is not a valid name",
            {
                "value": value[:80],
                "hint": "use lower-case letters, digits, '-' and '.', starting and ending "
                "with a letter or digit, at most 253 characters",
            },
        )
    return value


def _check_namespace(value: str) -> str:
    if len(value) > 63 or not _DNS_LABEL.fullmatch(value):
        raise PydanticCustomError(
            "namespace",
            "'{value}' is not a valid namespace",
            {
                "value": value[:80],
                "hint": "use lower-case letters, digits and '-', starting and ending with a "
                "letter or digit, at most 63 characters",
            },
        )
    return value


def check_repo_path(value: str, example: str = "./deploy/prod") -> str:
    """``value`` if it is a relative path inside a repository (no ``..``, not absolute).

    Refused before anything is read: the path is joined to a checkout of untrusted content.
    ``example`` is the path the hint suggests instead.
    """
    parts = PurePosixPath(value).parts
    if not value or "\x00" in value or value.startswith(("/", "\\")) or ".." in parts:
        raise PydanticCustomError(
            "repo_path",
            "'{value}' must be a relative path inside the repository",
            {"value": value[:200], "hint": f"write a path such as {example}, without '..'"},
        )
    return value


Name = Annotated[str, AfterValidator(_check_name)]
"""A Kubernetes object name (DNS-1123 subdomain)."""

Namespace = Annotated[str, AfterValidator(_check_namespace)]
"""A Kubernetes namespace name (DNS-1123 label)."""


KUBERNETES_METADATA_FIELDS: Final = frozenset(
    {
        "name",
        "generateName",
        "namespace",
        "selfLink",
        "uid",
        "resourceVersion",
        "generation",
        "creationTimestamp",
        "deletionTimestamp",
        "deletionGracePeriodSeconds",
        "labels",
        "annotations",
        "ownerReferences",
        "finalizers",
        "managedFields",
    }
)
"""The fields of a Kubernetes ``ObjectMeta``: in ``metadata``, a null one is taken as absent."""


class ObjectMeta(ConfigModel):
    """``metadata``: the object's name, optional namespace, labels and annotations.

    Labels and annotations are accepted as on any Kubernetes object, for the tools that
    generate or select configuration (kustomize, ``kubectl -l``); trueup reads an App's
    labels only to select it (an Alert's ``appSelector``), and no annotations.

    A field of :data:`KUBERNETES_METADATA_FIELDS` written ``null`` is taken as left out,
    as the API server takes it: ``kubectl create ... --dry-run=client -o yaml`` prints
    ``creationTimestamp: null``, and its output loads as it is. Any other field is refused,
    ``null`` or not.
    """

    name: Name
    namespace: Namespace | None = None
    labels: dict[str, str] = Field(default_factory=dict)
    annotations: dict[str, str] = Field(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _null_is_absent(cls, value: object) -> object:
        # kubectl's client-side dry run prints `creationTimestamp: null`, and the API server
        # reads a null field as left out: so does trueup, for ObjectMeta's own fields only,
        # so that a misspelt field stays an error even when empty, and a field the cluster
        # sets stays refused when it carries a value (trueup would not keep it).
        if not isinstance(value, dict):
            return value  # the model validator reports the wrong type
        return {
            key: field
            for key, field in value.items()
            if field is not None or key not in KUBERNETES_METADATA_FIELDS
        }


class SecretRef(ConfigModel):
    """A reference to a ``Secret`` in the configuration, in the referring object's namespace."""

    name: Name


class ConfigObject(ConfigModel):
    """A Kubernetes-shaped configuration object: ``apiVersion``, ``kind``, ``metadata``."""

    api_version: str
    kind: str
    metadata: ObjectMeta

    @property
    def id(self) -> ObjectId:
        """The object's id, printed ``Kind/namespace/name`` (``Kind/name`` without namespace)."""
        group, _, _version = self.api_version.rpartition("/")
        return ObjectId(group, self.kind, self.metadata.namespace or "", self.metadata.name)

    @property
    def namespace(self) -> str:
        """The object's namespace, '' when it has none; references resolve within it."""
        return self.metadata.namespace or ""

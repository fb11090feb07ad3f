"""``spec.helm`` of an ``App``: a Helm chart rendered instead of the App's path.

The chart is a folder of the App's Git source (``chart`` is then a repository path), or
the chart named ``chart`` in an HTTP chart repository (``repository: https://…``, with an
``index.yaml``) or an OCI registry (``repository: oci://host/path``), at ``version`` (an
exact version or a semver range). Values are merged in this order, a later layer winning:
the chart's own ``values.yaml``, ``valuesFiles`` (repository paths), ``valuesFrom``
(ConfigMaps and Secrets of the target cluster) and the inline ``values``. See
``render.helm`` for how the chart is rendered.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import AfterValidator, Field, StrictBool, model_validator
from pydantic_core import PydanticCustomError

from trueup.config.meta import ConfigModel, Name, check_repo_path
from trueup.config.value_refs import ObjectRef

_REPOSITORY = re.compile(r"(https://|oci://|http://(127\.0\.0\.1|localhost|\[::1\])[:/])\S+")
"""Chart repositories: https, OCI, and plain http only on loopback (test and mirror setups)."""


def _check_repo_path(value: str) -> str:
    return check_repo_path(value, "charts/web")


def _check_repository(value: str) -> str:
    if not _REPOSITORY.fullmatch(value):
        raise PydanticCustomError(
            "helm_repository",
            "'{value}' is not a chart repository URL",
            {
                "value": value[:200],
                "hint": "write https://host/path (a chart repository with an index.yaml) or "
                "oci://host/path (an OCI registry); plain http only to 127.0.0.1",
            },
        )
    return value


RepoPath = Annotated[str, AfterValidator(_check_repo_path)]
"""A relative path inside the App's repository, without ``..``."""


class ValuesRef(ObjectRef):
    """A ConfigMap or Secret whose ``key`` holds a YAML values document."""

    key: str = Field(default="values.yaml", min_length=1, max_length=253)


class HelmSpec(ConfigModel):
    """Which chart an App renders, with which values, as which release.

    ``releaseName`` defaults to the App's name and the release's namespace is the App's
    ``spec.namespace``. ``includeCRDs`` (default true) adds the chart's ``crds/`` folder to
    the objects, applied before everything else. ``plainHTTP`` lets an ``oci://`` registry
    on loopback be reached without TLS (tests, local mirrors). Helm's ``lookup`` returns
    nothing unless ``lookup`` is true; then it reads the target cluster live, acting as the
    App's ``serviceAccountName`` (``AppSpec`` refuses ``lookup`` without one: it never runs
    with trueup's own rights).
    """

    chart: str = Field(min_length=1, max_length=1000)
    version: str | None = Field(default=None, min_length=1, max_length=200)
    repository: Annotated[str, AfterValidator(_check_repository)] | None = None
    values: dict[str, Any] = Field(default_factory=dict)
    values_files: tuple[RepoPath, ...] = ()
    values_from: tuple[ValuesRef, ...] = ()
    release_name: Name | None = Field(default=None, max_length=53)
    include_crds: StrictBool = Field(default=True, alias="includeCRDs")
    plain_http: StrictBool = Field(default=False, alias="plainHTTP")
    lookup: StrictBool = False

    @model_validator(mode="after")
    def _check_chart(self) -> HelmSpec:
        if self.repository is None:
            _check_repo_path(self.chart)
            if self.version is not None:
                raise PydanticCustomError(
                    "helm_version_local",
                    "version applies only to a chart from a repository; a chart in the "
                    "App's source is the version its commit holds",
                    {"hint": "remove version, or add the repository the chart comes from"},
                )
        elif not re.fullmatch(
            r"[A-Za-z0-9][A-Za-z0-9._-]*(/[A-Za-z0-9][A-Za-z0-9._-]*)*", self.chart
        ):
            raise PydanticCustomError(
                "helm_chart",
                "'{value}' is not a chart name",
                {"value": self.chart[:200], "hint": "write the chart's name, such as podinfo"},
            )
        if self.plain_http and not (self.repository or "").startswith("oci://"):
            raise PydanticCustomError(
                "helm_plain_http",
                "plainHTTP applies only to an oci:// repository",
                {"hint": "remove plainHTTP, or use an oci:// repository"},
            )
        return self

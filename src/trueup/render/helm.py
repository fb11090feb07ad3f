"""Rendering an App's Helm chart with real Helm, pinned (``render/go/helm``).

The chart (a folder of the checkout, or a chart pulled from an HTTP chart repository or an
OCI registry) is rendered by Helm's own template engine in client-only mode, as
``helm template`` renders it: with the App's release name and namespace, the target's
Kubernetes version and served API versions as ``.Capabilities``, and the values merged in
this order, a later layer winning: the chart's ``values.yaml``, ``spec.helm.valuesFiles``,
``spec.helm.valuesFrom`` and the inline ``spec.helm.values``. ``lookup`` returns nothing
(Helm's client-only behaviour) unless the App allows it: then it reads the target cluster
as the App's service account (``render.helm_lookup``). Plugins and post-renderers are
never run. Chart dependencies are resolved from the chart's ``charts/`` folder, or fetched
as its ``Chart.yaml`` names them (``file://``, HTTP repositories, OCI). Pulled charts are
cached by their digest under ``trueup.gobuild.cache_dir()/charts``.

The CRDs of the chart's ``crds/`` folder come first among the objects (when
``includeCRDs``), each object's origin names its template file. Hooks are split out: test
hooks are dropped, the install and upgrade hooks travel in ``Rendered.hooks`` (the engine
runs them, see ``trueup.plan.hooks``), and any other hook type (delete, rollback, unknown)
refuses the render, naming the hook's type and object.

Charts that generate random data (``randAlphaNum``, ``genCA``) are rendered twice; a field
that differs between the two renders is reported in ``Rendered.unstable`` (see
``render.helm_unstable``, whose ``unstable_rules`` keep the live value of such fields).
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from trueup.errors import RenderError
from trueup.gobuild import Progress, cache_dir, ensure_binary
from trueup.objects import Object, Origin, object_id
from trueup.plan.hooks import Hook, unsupported_events, unsupported_policies
from trueup.render.collect import Collector
from trueup.render.helm_lookup import LookupAccess
from trueup.render.helm_run import run_helper
from trueup.render.helm_stage import read_values_file, stage_chart
from trueup.render.helm_unstable import Unstable, unstable_fields
from trueup.render.options import Rendered, RenderLimits
from trueup.render.yamlload import load_documents

if TYPE_CHECKING:
    from trueup.config.helm import HelmSpec

MODULE_DIR = Path(__file__).parent / "go" / "helm"
"""The Go module of the helper (pins ``helm.sh/helm/v4``)."""

TEST_HOOKS = frozenset({"test", "test-success", "test-failure"})
"""Hook types trueup drops: ``helm test`` runs them on demand, never a sync."""


@runtime_checkable
class HasCapabilities(Protocol):
    """A target that can tell its Kubernetes version and the APIs it serves."""

    async def capabilities(self) -> tuple[str, tuple[str, ...]]:
        """The version (``v1.33.1``) and every ``group/version`` and ``group/version/Kind``."""
        ...


class ValuesInput(Protocol):
    """One object read for ``spec.helm.valuesFrom`` (``trueup.inputs.InputData``)."""

    @property
    def ref(self) -> Any: ...  # a ValuesRef
    @property
    def data(self) -> Mapping[str, str]: ...
    @property
    def secret(self) -> bool: ...
    @property
    def found(self) -> bool: ...
    @property
    def shown(self) -> str: ...


def values_documents(
    inputs: Sequence[ValuesInput], limits: RenderLimits
) -> tuple[tuple[str, ...], frozenset[str]]:
    """The values documents of ``spec.helm.valuesFrom`` and the values to mask.

    Each input gives the YAML document under its ``key``; a missing optional object gives
    nothing. Everything read from a Secret is masked: the document and each text value in
    it. Raises ``RenderError`` for a key that is missing or not a YAML mapping.
    """
    documents: list[str] = []
    masked: set[str] = set()
    for index, found in enumerate(inputs):
        if not found.found:
            continue
        key = found.ref.key
        where = f"spec.helm.valuesFrom[{index}] ({found.shown})"
        if key not in found.data:
            if found.ref.optional:
                continue
            raise RenderError(f"{where} has no key {key!r}; add it, or name another key")
        text = found.data[key]
        parsed_documents = list(load_documents(text.encode(), f"{where} key {key!r}", limits, 1))
        parsed = parsed_documents[0].data if parsed_documents else None
        if parsed is not None and not isinstance(parsed, dict):
            raise RenderError(f"{where}: key {key!r} must hold a YAML mapping of values")
        if found.secret:
            masked.add(text)
            masked.update(_texts(parsed))
        documents.append(text)
    return tuple(documents), frozenset(value for value in masked if value)


def _texts(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for item in value.values():
            yield from _texts(item)
    elif isinstance(value, list):
        for item in value:
            yield from _texts(item)
    elif value is not None and not isinstance(value, bool):
        yield str(value)


def helm_binary(progress: Progress) -> Path:
    """The helper binary, built on first use (a few minutes) and cached."""
    return ensure_binary(MODULE_DIR, progress)


@dataclass(frozen=True, slots=True)
class HelmRender:
    """Everything one chart render needs besides the checkout: the App's ``spec.helm``,
    the release, the target's capabilities and the ``valuesFrom`` documents."""

    binary: str
    spec: HelmSpec
    release_name: str
    namespace: str
    kube_version: str = ""
    """The target's version (``v1.33.1``); empty: Helm's default."""
    api_versions: tuple[str, ...] = ()
    """What the target serves (``apps/v1``, ``apps/v1/Deployment``), added to Helm's defaults."""
    values_from: tuple[str, ...] = field(default=(), repr=False)
    """The YAML values documents read for ``spec.helm.valuesFrom``, in order."""
    chart_cache: str = ""
    """Where pulled charts are cached by digest; empty: ``cache_dir()/charts``."""
    lookup: LookupAccess | None = field(default=None, repr=False)
    """How ``lookup`` reaches the cluster, given exactly when ``spec.helm.lookup`` is true."""


@dataclass(frozen=True, slots=True)
class ChartRender:
    """A chart's objects (CRDs first), the chart that was rendered, its hooks and the fields
    that differ between two renders."""

    rendered: Rendered
    chart: Mapping[str, str]
    hooks: tuple[Hook, ...] = ()
    unstable: tuple[Unstable, ...] = ()


def render_chart(root: Path, helm: HelmRender, limits: RenderLimits) -> Rendered:
    """The objects of the App's chart, for ``render``: see ``render_chart_full``.

    The install and upgrade hooks are in the result's ``hooks``. Raises ``RenderError``
    for a hook of another type (delete, rollback, unknown) or with a delete policy Helm does
    not define, naming it and the object.
    """
    chart = render_chart_full(root, helm, limits)
    for hook in chart.hooks:
        if refused := unsupported_events(hook.events):
            events = ", ".join(refused)
            raise RenderError(
                f"{hook.origin}: {object_id(hook.obj)} is a Helm hook of type {events}: trueup "
                "runs only pre-install, pre-upgrade, post-install and post-upgrade hooks; "
                "remove the helm.sh/hook annotation, or disable the hook in the chart's values"
            )
        if refused := unsupported_policies(hook.delete_policies):
            raise RenderError(
                f"{hook.origin}: {object_id(hook.obj)} has helm.sh/hook-delete-policy "
                f"{', '.join(refused)}, which trueup does not know; use before-hook-creation, "
                "hook-succeeded or hook-failed"
            )
    fields = tuple((field.object, field.pointer) for field in chart.unstable if field.pointer)
    return replace(
        chart.rendered,
        unstable=fields,
        hooks=chart.hooks,
        chart_version=str(chart.chart.get("version") or ""),
        chart_digest=str(chart.chart.get("digest") or ""),
    )


def render_chart_full(root: Path, helm: HelmRender, limits: RenderLimits) -> ChartRender:
    """Render the chart of ``helm`` twice (``root`` is the checkout's real path).

    Raises ``RenderError`` for a chart or values file outside the repository or over the
    limits, and a chart Helm cannot render (naming Helm's error).
    """
    with tempfile.TemporaryDirectory(prefix="trueup-helm-") as temporary:
        work = Path(temporary)
        collector = Collector(limits)
        request = _request(root, helm, work, limits, collector)
        first = _run(helm, request, work, limits)
    prefix = _origin_prefix(helm, first)
    objects = _objects(first, prefix, limits)
    second = {"crds": first.get("crds"), "manifests": first.get("again")}
    unstable = unstable_fields(objects, _objects(second, prefix, limits))
    for obj, origin in objects:
        collector.add_yaml(json.dumps(obj).encode(), str(origin), origin)
    hooks = _hooks(first, prefix, limits)
    result = collector.result()
    return ChartRender(result, dict(first.get("chart") or {}), hooks, unstable)


def _request(
    root: Path, helm: HelmRender, work: Path, limits: RenderLimits, collector: Collector
) -> dict[str, Any]:
    spec = helm.spec
    values = work / "values"
    values.mkdir()
    files: list[str] = []

    def layer(data: bytes) -> None:
        path = values / f"{len(files):03}.yaml"
        path.write_bytes(data)
        files.append(str(path))

    for index, path in enumerate(spec.values_files):
        layer(read_values_file(root, path, index, limits))
        collector.depends_on(path)
    for document in helm.values_from:
        layer(document.encode())
    if spec.values:
        layer(json.dumps(spec.values).encode())
    request: dict[str, Any] = {
        "releaseName": helm.release_name,
        "namespace": helm.namespace,
        "valuesFiles": files,
        "kubeVersion": helm.kube_version,
        "apiVersions": list(helm.api_versions),
        "includeCRDs": spec.include_crds,
        "workDir": str(work / "helm"),
        "contentCache": helm.chart_cache or str(cache_dir() / "charts"),
        "twice": True,
    }
    if spec.lookup:
        if helm.lookup is None:
            raise RenderError(
                "spec.helm.lookup is allowed, but this render has no access to the cluster "
                "to look up with; render the App against its target"
            )
        request["lookup"] = helm.lookup.request()
    if spec.repository is None:
        copy = work / "repository"
        staged = stage_chart(root, spec.chart, copy, limits)
        for path in staged:
            collector.depends_on(path)
        chart_path = copy.joinpath(*Path(staged[0]).parts) if staged[0] != "." else copy
        return {**request, "chartPath": str(chart_path)}
    return {
        **request,
        "repository": spec.repository,
        "chart": spec.chart,
        "version": spec.version or "",
        "plainHTTP": spec.plain_http,
    }


def _run(
    helm: HelmRender, request: Mapping[str, Any], work: Path, limits: RenderLimits
) -> dict[str, Any]:
    run = work / "run"
    run.mkdir()
    return run_helper(
        helm.binary,
        request,
        run,
        timeout=limits.timeout_seconds * 0.8,
        max_memory=limits.max_memory_bytes,
        max_output=limits.max_total_bytes * 4 + 2**20,
    )


def _origin_prefix(helm: HelmRender, result: Mapping[str, Any]) -> str:
    """What replaces the chart's own name in Helm's source names (``web/templates/x``)."""
    spec = helm.spec
    if spec.repository is None:
        return spec.chart.strip("/").removeprefix("./") or "."
    chart = result.get("chart") or {}
    return f"{spec.repository.rstrip('/')}/{spec.chart}-{chart.get('version', '')}"


def _origin(prefix: str, source: str) -> Origin:
    _name, _, rest = source.partition("/")
    return Origin(f"{prefix}/{rest}" if prefix != "." else rest)


def _objects(
    result: Mapping[str, Any], prefix: str, limits: RenderLimits
) -> list[tuple[Object, Origin]]:
    """The CRDs, then the manifests, each object with its origin, parsed within the limits."""
    parsed: list[tuple[Object, Origin]] = []
    for document in [*(result.get("crds") or []), *(result.get("manifests") or [])]:
        origin = _origin(prefix, str(document["source"]))
        scratch = Collector(limits)
        scratch.add_yaml(str(document["content"]).encode(), str(origin), origin)
        parsed.extend((obj, origin) for obj in scratch.result().objects)
    return parsed


def _hooks(result: Mapping[str, Any], prefix: str, limits: RenderLimits) -> tuple[Hook, ...]:
    hooks: list[Hook] = []
    for hook in result.get("hooks") or []:
        events = tuple(str(event) for event in hook.get("events") or [])
        if set(events) <= TEST_HOOKS:
            continue
        origin = _origin(prefix, str(hook["source"]))
        scratch = Collector(limits)
        scratch.add_yaml(str(hook["content"]).encode(), str(origin), origin)
        weight = int(hook.get("weight") or 0)
        policies = tuple(str(policy) for policy in hook.get("deletePolicies") or ())
        kept = tuple(event for event in events if event not in TEST_HOOKS)
        hooks.extend(Hook(obj, origin, kept, weight, policies) for obj in scratch.result().objects)
    return tuple(hooks)


__all__ = [
    "ChartRender",
    "HasCapabilities",
    "HelmRender",
    "Hook",
    "LookupAccess",
    "helm_binary",
    "render_chart",
    "render_chart_full",
    "values_documents",
]

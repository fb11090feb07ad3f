"""Checks every path a kustomization refers to before kustomize runs.

kustomize's own load restrictor keeps files inside the kustomization directory but lets
bases reach anywhere with ``../``, and fetches remote bases and files on its own. trueup
keeps a build inside the repository instead: a reference may use ``../`` as long as it
resolves (symlinks included) inside the repository root; an absolute path, a path that
leaves the root, a missing path, or a remote reference (URL, ``git::``, ``github.com/...``)
is refused. By default trueup never lets kustomize fetch remote bases: they would be
downloaded at every render, past the GitSource's credentials, pinning and signature
checks; a remote base is vendored into the repository instead. An App that sets
``spec.kustomize.allowRemoteBases`` lets kubectl fetch ``https://`` and ``git::https://``
references (without credentials in them); every other remote form (ssh, http, ``file:``,
``github.com/...`` shorthand) stays refused. What a remote base holds is checked by
kustomize alone. Referenced kustomization directories are checked in turn, each once.

``helmCharts`` (Helm inflation inside kustomize) is refused unless the App sets
``spec.kustomize.enableHelm``. Then every chart must be vendored in the repository where
kustomize looks for it (``<chartHome>/<name>``, or ``<chartHome>/<name>-<version>/<name>``
for an entry with ``repo`` and ``version``), so that kustomize never pulls one: a chart
pulled at every render would escape the commit's pinning, and a chart from a repository
belongs in ``spec.helm``. ``chartHome``, ``valuesFile`` and ``additionalValuesFiles`` are
paths inside the repository like every other reference (kustomize would otherwise fetch a
values file by URL); ``helmGlobals.configHome`` (which would point Helm at a
configuration of the repository's choosing) and the deprecated
``helmChartInflationGenerator`` field are refused.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import urlsplit

from trueup.errors import RenderError
from trueup.render.files import read_bounded
from trueup.render.options import RenderLimits
from trueup.render.paths import relative_name, resolve_inside
from trueup.render.walk import kustomization_file
from trueup.render.yamlload import load_documents

# Fields whose entries may name a kustomization directory (or a file) to build.
_DIRECTORY_FIELDS = ("resources", "bases", "components", "generators", "transformers", "validators")
# Fields whose entries are file paths (an entry with a newline is inline YAML).
_FILE_FIELDS = ("crds", "configurations", "patchesStrategicMerge")
# Fields whose entries are mappings with an optional ``path``.
_PATH_FIELDS = ("patches", "patchesJson6902", "replacements")
_GENERATOR_FIELDS = ("configMapGenerator", "secretGenerator")
_REMOTE_PREFIXES = (
    "git::",
    "git@",
    "ssh:",
    "http:",
    "https:",
    "file:",
    "github.com/",
    "gitlab.com/",
    "bitbucket.org/",
)
_HTTPS_PREFIXES = ("https://", "git::https://")
_HELM_FIELDS = ("helmCharts", "helmChartInflationGenerator")
_CHART_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
"""A chart's name: one directory name below ``chartHome``."""
_DEFAULT_CHART_HOME = "charts"


def looks_remote(ref: str) -> bool:
    """Whether kustomize would treat ``ref`` as a remote base or file."""
    lowered = ref.lower()
    return (
        lowered.startswith(_REMOTE_PREFIXES)
        or "://" in lowered
        or "?ref=" in lowered
        or "//" in lowered
    )


def check_references(
    root: Path,
    directory: Path,
    limits: RenderLimits,
    files: set[Path] | None = None,
    *,
    remotes: list[str] | None = None,
    charts: list[Path] | None = None,
) -> set[Path]:
    """Refuse the build of ``directory`` if any kustomization it reaches refers outside ``root``.

    Returns the local directories the build reaches (``directory`` and the chart
    directories included), and adds to ``files`` every file a kustomization refers to
    (patches, generator sources, CRDs, Helm values files). Remote references are refused
    unless ``remotes`` is given (remote bases are allowed): then https ones are added to it
    and any other remote form is still refused. ``helmCharts`` are refused unless
    ``charts`` is given (Helm is enabled): then the directory of each chart is added to it.
    """
    pending = [directory]
    seen: set[Path] = set()
    while pending:
        current = pending.pop()
        if current in seen:
            continue
        seen.add(current)
        for target in _check_one(root, current, limits, remotes, charts):
            if target.is_dir():
                pending.append(target)
            elif files is not None:
                files.add(target)
    return seen


def _check_one(
    root: Path,
    directory: Path,
    limits: RenderLimits,
    remotes: list[str] | None,
    charts: list[Path] | None,
) -> Iterator[Path]:
    """Every existing local path the kustomization in ``directory`` refers to: directories
    to build and files it reads."""
    kfile = kustomization_file(directory)
    if kfile is None:
        return  # not a kustomization: kustomize reports that itself
    shown = relative_name(root, directory) + "/" + kfile.name
    real = resolve_inside(root, kfile.relative_to(root).parts, limits.max_symlink_hops, shown)
    data = read_bounded(real, shown, limits.max_file_bytes)
    docs = list(load_documents(data, shown, limits, limits.max_objects))
    if not docs:
        return
    spec = docs[0].data
    if not isinstance(spec, dict):
        raise RenderError(f"{shown}: a kustomization must be a mapping; fix the file")
    if charts is None:
        _refuse_helm(spec, shown)
    else:
        found = list(_check_charts(root, directory, spec, shown, limits))
        charts.extend(path for path in found if path.is_dir())
        yield from found
    for field, ref in _references(spec):
        where = f"{shown}: {field} entry {ref!r}"
        if looks_remote(ref):
            _check_remote(ref, where, remotes)
            continue
        if os.path.isabs(ref) or ref.startswith("~"):
            raise RenderError(f"{where} is an absolute path; use a path inside the repository")
        parts = (*directory.relative_to(root).parts, *PurePosixPath(ref).parts)
        target = resolve_inside(root, parts, limits.max_symlink_hops, where)
        if not target.exists():
            raise RenderError(f"{where} does not exist in the repository; fix the path")
        if not target.is_dir() or field in _DIRECTORY_FIELDS:
            yield target


def _check_remote(ref: str, where: str, remotes: list[str] | None) -> None:
    """Refuse the remote reference ``ref`` unless remote bases are allowed and it is https."""
    if remotes is None:
        raise RenderError(
            f"{where} is a remote reference, and remote bases are refused unless the App "
            "sets spec.kustomize.allowRemoteBases: true (https only, fetched at every "
            "render, not covered by the GitSource's signature checks); vendor the base "
            "into this repository and refer to it by a relative path, or allow remote bases"
        )
    lowered = ref.lower()
    if not lowered.startswith(_HTTPS_PREFIXES):
        raise RenderError(
            f"{where} is a remote reference that is not an https URL; with "
            "spec.kustomize.allowRemoteBases only https://... and git::https://... remote "
            "bases are fetched (ssh, http, file: and github.com/... shorthand are refused); "
            "write the repository's https URL or vendor the base into this repository"
        )
    if "@" in urlsplit(ref.removeprefix("git::")).netloc:
        raise RenderError(
            f"{where} carries credentials in its URL; remote bases are fetched anonymously "
            "and a kustomization is no place for a password: remove them"
        )
    remotes.append(ref)


def _refuse_helm(spec: dict[str, Any], shown: str) -> None:
    """Refuse Helm chart inflation inside kustomize, naming the kustomization file."""
    for field in _HELM_FIELDS:
        if spec.get(field) is None:
            continue
        charts = [c["name"] for c in _entries(spec[field]) if isinstance(c, dict) and "name" in c]
        named = f" ({', '.join(repr(str(c)) for c in charts)})" if charts else ""
        raise RenderError(
            f"{shown}: {field}{named}: Helm chart inflation inside kustomize is not enabled "
            "for this App; set spec.kustomize.enableHelm: true on the App to inflate charts "
            "vendored in the repository, or remove the field"
        )


def _check_charts(
    root: Path, directory: Path, spec: dict[str, Any], shown: str, limits: RenderLimits
) -> Iterator[Path]:
    """The chart directories and values files of the kustomization's ``helmCharts``.

    Refuses what would let kustomize or Helm reach past the repository: a chart that is not
    vendored (kustomize would pull it), a values file outside the repository or given by
    URL, a ``chartHome`` outside it, a ``configHome``.
    """
    if spec.get("helmChartInflationGenerator") is not None:
        raise RenderError(
            f"{shown}: helmChartInflationGenerator is kustomize's deprecated form of "
            "helmCharts; write the charts as helmCharts entries"
        )
    globals_ = spec.get("helmGlobals")
    globals_ = globals_ if isinstance(globals_, dict) else {}
    if globals_.get("configHome") is not None:
        raise RenderError(
            f"{shown}: helmGlobals.configHome: trueup gives Helm an empty configuration of "
            "its own at every render; remove the field"
        )
    home = globals_.get("chartHome") or _DEFAULT_CHART_HOME
    if not isinstance(home, str) or looks_remote(home) or os.path.isabs(home):
        raise RenderError(
            f"{shown}: helmGlobals.chartHome {home!r} must be a relative path inside the "
            "repository; fix it"
        )
    for entry in _entries(spec.get("helmCharts")):
        name = entry.get("name") if isinstance(entry, dict) else None
        if not isinstance(name, str) or not _CHART_NAME.fullmatch(name):
            raise RenderError(
                f"{shown}: helmCharts entry {name!r}: a chart's name must be one directory "
                "name under helmGlobals.chartHome (such as web); fix the entry"
            )
        yield _vendored_chart(root, directory, home, entry, f"{shown}: helmCharts {name!r}", limits)
        for field in ("valuesFile", "additionalValuesFiles"):
            values = entry.get(field)
            for ref in values if isinstance(values, list) else [values]:
                if ref is not None:
                    where = f"{shown}: helmCharts {name!r} {field} {ref!r}"
                    yield _values_file(root, directory, ref, where, limits)


def _vendored_chart(
    root: Path,
    directory: Path,
    home: str,
    entry: dict[str, Any],
    where: str,
    limits: RenderLimits,
) -> Path:
    """The directory kustomize takes the chart of ``entry`` from; it must exist."""
    name, repo, version = entry["name"], entry.get("repo"), entry.get("version")
    below = (f"{name}-{version}", name) if repo and version else (name,)
    rel = PurePosixPath(home, *below)
    parts = (*directory.relative_to(root).parts, *rel.parts)
    chart = resolve_inside(root, parts, limits.max_symlink_hops, f"{where} ({rel})")
    if not chart.is_dir():
        pulled = f" instead of pulling it from {repo!r}" if repo else ""
        raise RenderError(
            f"{where}: no chart at {rel.as_posix()} next to the kustomization; trueup renders "
            f"only charts vendored in the repository{pulled}: commit the chart there (helm "
            "pull --untar), or render a chart from a repository with spec.helm"
        )
    return chart


def _values_file(root: Path, directory: Path, ref: Any, where: str, limits: RenderLimits) -> Path:
    """The values file ``ref`` names, which must be a file inside the repository."""
    if not isinstance(ref, str) or looks_remote(ref) or os.path.isabs(ref):
        raise RenderError(
            f"{where} must be a relative path to a file in the repository; fix the entry"
        )
    parts = (*directory.relative_to(root).parts, *PurePosixPath(ref).parts)
    target = resolve_inside(root, parts, limits.max_symlink_hops, where)
    if not target.is_file():
        raise RenderError(f"{where} does not exist in the repository; fix the path")
    return target


def _references(spec: dict[str, Any]) -> Iterator[tuple[str, str]]:
    for field in (*_DIRECTORY_FIELDS, *_FILE_FIELDS):
        for entry in _entries(spec.get(field)):
            if isinstance(entry, str) and "\n" not in entry:
                yield field, entry
    for field in _PATH_FIELDS:
        for entry in _entries(spec.get(field)):
            if isinstance(entry, dict) and isinstance(entry.get("path"), str):
                yield field, entry["path"]
    for field in _GENERATOR_FIELDS:
        for generator in _entries(spec.get(field)):
            if not isinstance(generator, dict):
                continue
            for item in _entries(generator.get("files")):
                if isinstance(item, str):
                    yield f"{field}.files", item.split("=", 1)[-1]
            envs = [*_entries(generator.get("envs")), generator.get("env")]
            for item in envs:
                if isinstance(item, str):
                    yield f"{field}.envs", item
    openapi = spec.get("openapi")
    if isinstance(openapi, dict) and isinstance(openapi.get("path"), str):
        yield "openapi", openapi["path"]


def _entries(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []

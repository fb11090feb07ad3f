"""The secret values a failed kustomize build may quote, found without kustomize.

kustomize's errors quote the YAML they choke on, Secret values included, and a failed
build returns no objects to take the values from. So when a build fails, the files of
every kustomization directory it reached are read again, within the render's limits: the
values of each Secret manifest that parses, and the ``literals``, ``envs`` and ``files``
of each ``secretGenerator``. A file that does not parse is skipped; kustomize quotes no
content of a file it cannot parse either, only the position of the problem.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from trueup.errors import RenderError
from trueup.masking import secret_values
from trueup.render.files import read_bounded
from trueup.render.options import RenderLimits
from trueup.render.walk import KUSTOMIZATION_FILES
from trueup.render.yamlload import load_documents


def secrets_in(root: Path, directories: Iterable[Path], limits: RenderLimits) -> list[str]:
    """Secret values in the YAML files under ``directories``, read within ``limits``.

    ``directories`` and the files their secret generators name must resolve inside the
    repository checkout ``root``; anything else is not read.
    """
    budget = _Budget(root, limits)
    values: list[str] = []
    for directory in directories:
        for path in _files(directory, limits):
            data = budget.read(path)
            if data is None:
                return values  # out of budget: mask what is known
            objects = _objects(data, limits)
            values.extend(secret_values(objects))
            if path.name in KUSTOMIZATION_FILES:
                values.extend(_generated(objects, path.parent, budget))
    return values


class _Budget:
    def __init__(self, root: Path, limits: RenderLimits) -> None:
        self.root = root
        self._limits = limits
        self._bytes_left = limits.max_total_bytes
        self._files_left = limits.max_files

    def read(self, path: Path) -> bytes | None:
        if self._files_left <= 0 or self._bytes_left <= 0:
            return None
        self._files_left -= 1
        try:
            data = read_bounded(path, path.name, min(self._limits.max_file_bytes, self._bytes_left))
        except RenderError:
            return b""
        self._bytes_left -= len(data)
        return data


def _files(directory: Path, limits: RenderLimits) -> Iterator[Path]:
    for folder, subfolders, names in os.walk(directory):
        depth = os.path.relpath(folder, directory).count(os.sep)
        subfolders[:] = [] if depth >= limits.max_depth else sorted(subfolders)
        for name in sorted(names):
            if name in KUSTOMIZATION_FILES or name.lower().endswith((".yaml", ".yml", ".json")):
                yield Path(folder, name)


def _objects(data: bytes, limits: RenderLimits) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    try:
        for document in load_documents(data, "", limits, limits.max_objects):
            if isinstance(document.data, dict):
                found.append(document.data)
    except RenderError:
        pass  # unparsable from here on: kustomize cannot quote what it cannot parse
    return found


def _generated(
    kustomizations: list[dict[str, Any]], directory: Path, budget: _Budget
) -> Iterator[str]:
    for kustomization in kustomizations:
        generators = kustomization.get("secretGenerator")
        for generator in generators if isinstance(generators, list) else []:
            if not isinstance(generator, dict):
                continue
            for literal in _strings(generator.get("literals")):
                yield literal.partition("=")[2]
            for name in (*_strings(generator.get("envs")), *_strings([generator.get("env")])):
                text = _read_text(directory, name, budget)
                yield from (line.partition("=")[2] for line in text.splitlines())
            for entry in _strings(generator.get("files")):
                yield _read_text(directory, entry.rpartition("=")[2], budget)


def _strings(value: Any) -> list[str]:
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def _read_text(directory: Path, name: str, budget: _Budget) -> str:
    path = (directory / name).resolve()
    # Only files inside the repository can have reached kustomize (see kustomize_refs).
    if not path.is_relative_to(budget.root) or not path.is_file():
        return ""
    data = budget.read(path)
    return (data or b"").decode("utf-8", "replace")

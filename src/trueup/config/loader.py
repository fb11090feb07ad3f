"""``load_config``: read a file or a folder of YAML files into a ``LoadedConfig``.

A bad object is dropped with an issue; everything else keeps loading, so one typo in one
App never stops the others from being reconciled.
"""

from __future__ import annotations

import os
from pathlib import Path
from types import MappingProxyType

from trueup.config.alert import Alert
from trueup.config.api_token import ApiToken
from trueup.config.api_token_refs import check_api_tokens
from trueup.config.app import App
from trueup.config.gitsource import GitSource
from trueup.config.image_policy import ImagePolicy
from trueup.config.image_repository import ImageRepository
from trueup.config.image_repository_refs import check_image_repositories
from trueup.config.image_update import ImageUpdate
from trueup.config.issues import ConfigIssue, LoadedConfig, Origin
from trueup.config.meta import ConfigObject
from trueup.config.notify_refs import check_notifications
from trueup.config.provider import Provider
from trueup.config.receiver import Receiver
from trueup.config.receiver_refs import check_receivers
from trueup.config.references import (
    Declared,
    Key,
    check_apps,
    check_image_policies,
    check_image_updates,
    check_secrets_of_sources,
)
from trueup.config.secret import Secret
from trueup.config.validate import validate_document
from trueup.config.yamldocs import read_documents
from trueup.errors import ConfigError

YAML_SUFFIXES = (".yaml", ".yml")
"""Files of a configuration folder that are read; others are ignored."""


def config_files(path: Path) -> list[Path]:
    """``path`` itself, or the YAML files under the folder ``path``, recursively and sorted.

    Hidden files and folders are skipped (a mounted ConfigMap keeps copies in ``..data``);
    symlinked folders are not followed, so a link loop cannot hang the loader.
    """
    if path.is_file():
        return [path]
    if not path.is_dir():
        raise ConfigError(f"{path}: no such file or folder (check the --config path)")
    found: list[Path] = []
    for folder, subfolders, names in os.walk(path):
        subfolders[:] = [d for d in subfolders if not d.startswith(".")]
        found.extend(
            Path(folder, n) for n in names if n.endswith(YAML_SUFFIXES) and not n.startswith(".")
        )
    return sorted(found, key=lambda p: p.relative_to(path).parts)


def load_config(path: Path) -> LoadedConfig:
    """Every valid object under ``path`` and one ``ConfigIssue`` per problem.

    Raises ``ConfigError`` only when ``path`` does not exist; call
    ``LoadedConfig.raise_if_invalid()`` to refuse any configuration with problems.
    """
    declared = Declared()
    first_seen: dict[Key, Origin] = {}
    for file in config_files(Path(path)):
        documents, issues = read_documents(file)
        declared.issues.extend(issues)
        for doc in documents:
            result = [doc.problem] if doc.problem else validate_document(doc)
            origin = Origin(doc.file, doc.line)
            if isinstance(result, ConfigObject):
                key = (result.kind, result.namespace, result.metadata.name)
            else:
                declared.issues.extend(result)
                key_or_none = _raw_key(doc.data)
                if key_or_none is None:
                    continue
                key = key_or_none
            if key in first_seen:
                declared.issues.append(_duplicate(key, origin, first_seen[key]))
                continue
            first_seen[key] = origin
            if isinstance(result, ConfigObject):
                declared.valid[key] = (result, doc)
            else:
                declared.invalid.add(key)
    check_secrets_of_sources(declared)
    check_apps(declared)
    check_image_repositories(declared)  # before the Receivers that name them
    check_receivers(declared)
    check_api_tokens(declared)
    check_notifications(declared)
    check_image_policies(declared)
    check_image_updates(declared)
    return _result(declared)


def _raw_key(data: object) -> Key | None:
    """The key an invalid document would have had, so that references to it say "invalid"."""
    if not isinstance(data, dict) or not isinstance(data.get("metadata"), dict):
        return None
    kind, meta = data.get("kind"), data["metadata"]
    name, namespace = meta.get("name"), meta.get("namespace") or ""
    if isinstance(kind, str) and isinstance(name, str) and isinstance(namespace, str):
        return (kind, namespace, name)
    return None


def _duplicate(key: Key, origin: Origin, first: Origin) -> ConfigIssue:
    kind, namespace, name = key
    label = f"{kind}/{namespace}/{name}" if namespace else f"{kind}/{name}"
    return ConfigIssue(
        origin.file,
        origin.line,
        label,
        "metadata.name",
        f"the name is already used by the {kind} declared at {first}",
        "rename one of them; this one is ignored",
    )


def _result(declared: Declared) -> LoadedConfig:
    objects = [obj for obj, _doc in declared.valid.values()]
    issues = sorted(declared.issues, key=lambda i: (str(i.file), i.line or 0))
    return LoadedConfig(
        sources=tuple(o for o in objects if isinstance(o, GitSource)),
        apps=tuple(o for o in objects if isinstance(o, App)),
        secrets=tuple(o for o in objects if isinstance(o, Secret)),
        receivers=tuple(o for o in objects if isinstance(o, Receiver)),
        api_tokens=tuple(o for o in objects if isinstance(o, ApiToken)),
        providers=tuple(o for o in objects if isinstance(o, Provider)),
        alerts=tuple(o for o in objects if isinstance(o, Alert)),
        image_repositories=tuple(o for o in objects if isinstance(o, ImageRepository)),
        image_policies=tuple(o for o in objects if isinstance(o, ImagePolicy)),
        image_updates=tuple(o for o in objects if isinstance(o, ImageUpdate)),
        errors=tuple(issues),
        origins=MappingProxyType(
            {obj.id: Origin(doc.file, doc.line) for obj, doc in declared.valid.values()}
        ),
    )

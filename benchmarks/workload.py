"""The app the benchmarks sync: N generated objects in a local Git repository.

The mix is what a typical application repository holds, weighted towards the cheap kinds
so that fake pods do not dominate: per 100 objects 90 ConfigMaps, 5 Secrets, 4 Services and
1 Deployment (one replica), with at least one of each kind for any size of four or more.
The objects name no namespace: trueup puts them in the App's namespace and kubectl in the
one given with ``-n``, so the same files serve both tools. They are written ten to a file,
kinds interleaved, the way multi-document manifests usually are.
"""

from __future__ import annotations

import base64
import hashlib
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

Object = dict[str, Any]

SHARES = (("Deployment", 0.01), ("Service", 0.04), ("Secret", 0.05))
"""Share of each kind but ConfigMap, which makes up the rest."""
PER_FILE = 10
APP_PATH = "apps/bench"


def mix(size: int) -> dict[str, int]:
    """How many objects of each kind an app of ``size`` objects holds."""
    counts = {kind: round(size * share) for kind, share in SHARES}
    if size >= len(SHARES) + 1:
        counts = {kind: max(1, count) for kind, count in counts.items()}
    counts["ConfigMap"] = size - sum(counts.values())
    return counts


def objects(size: int) -> list[Object]:
    """``size`` objects in the mix of :func:`mix`, kinds spread evenly through the list."""
    makers = {
        "ConfigMap": configmap,
        "Secret": secret,
        "Service": service,
        "Deployment": deployment,
    }
    spread: list[tuple[float, int, Object]] = []
    for rank, (kind, count) in enumerate(mix(size).items()):
        for index in range(count):
            spread.append(((index + 0.5) / count, rank, makers[kind](index)))
    return [obj for _position, _rank, obj in sorted(spread, key=lambda item: item[:2])]


def _labels(component: str) -> dict[str, str]:
    return {"app.kubernetes.io/name": component, "app.kubernetes.io/part-of": "bench"}


def configmap(index: int) -> Object:
    """A ConfigMap of about 600 bytes: a few settings and a properties file."""
    properties = "\n".join(
        f"service.{index}.option{n}=value-{hashlib.sha256(f'{index}/{n}'.encode()).hexdigest()[:16]}"
        for n in range(8)
    )
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": f"settings-{index:05d}", "labels": _labels(f"component-{index}")},
        "data": {
            "LOG_LEVEL": "info",
            "FEATURE_FLAGS": "search,checkout,recommendations",
            "TIMEOUT_SECONDS": str(30 + index % 30),
            "app.properties": properties + "\n",
        },
    }


def secret(index: int) -> Object:
    """An Opaque Secret with a username and a (generated) password."""
    password = hashlib.sha256(f"password-{index}".encode()).hexdigest()[:24]
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": f"credentials-{index:05d}", "labels": _labels(f"component-{index}")},
        "type": "Opaque",
        "data": {
            "username": base64.b64encode(f"user-{index}".encode()).decode(),
            "password": base64.b64encode(password.encode()).decode(),
        },
    }


def service(index: int) -> Object:
    """A ClusterIP Service in front of port 8080."""
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": f"svc-{index:05d}", "labels": _labels(f"svc-{index}")},
        "spec": {
            "selector": {"app.kubernetes.io/name": f"svc-{index}"},
            "ports": [{"name": "http", "port": 80, "targetPort": 8080, "protocol": "TCP"}],
        },
    }


def deployment(index: int) -> Object:
    """A one-replica Deployment (its pod runs on kwok's fake nodes)."""
    name = f"web-{index:05d}"
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "labels": _labels(name)},
        "spec": {
            "replicas": 1,
            "selector": {"matchLabels": {"app.kubernetes.io/name": name}},
            "template": {
                "metadata": {"labels": _labels(name)},
                "spec": {
                    "containers": [
                        {
                            "name": "web",
                            "image": "registry.invalid/bench/web:1.0",
                            "ports": [{"containerPort": 8080, "name": "http"}],
                            "envFrom": [{"configMapRef": {"name": f"settings-{index:05d}"}}],
                            "resources": {"requests": {"cpu": "10m", "memory": "32Mi"}},
                        }
                    ]
                },
            },
        },
    }


@dataclass(frozen=True, slots=True)
class Repository:
    """A bare repository to sync from and the working copy its commit came from."""

    bare: Path
    work: Path

    @property
    def url(self) -> str:
        """The ``file://`` URL trueup fetches."""
        return f"file://{self.bare}"

    @property
    def manifests(self) -> Path:
        """The app's folder in the working copy: what kubectl applies."""
        return self.work / APP_PATH


def _git(*args: str, cwd: Path) -> None:
    identity = {"GIT_AUTHOR_NAME": "bench", "GIT_AUTHOR_EMAIL": "bench@trueup.invalid"}
    identity |= {"GIT_COMMITTER_NAME": "bench", "GIT_COMMITTER_EMAIL": "bench@trueup.invalid"}
    env = {**os.environ, **identity}
    subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True, timeout=120)


def write_manifests(folder: Path, items: list[Object]) -> None:
    """``items`` as multi-document YAML files of :data:`PER_FILE` objects each."""
    folder.mkdir(parents=True, exist_ok=True)
    for start in range(0, len(items), PER_FILE):
        text = yaml.dump_all(
            items[start : start + PER_FILE], Dumper=yaml.CSafeDumper, sort_keys=False
        )
        (folder / f"objects-{start // PER_FILE + 1:04d}.yaml").write_text(text)


def make_repository(root: Path, size: int) -> Repository:
    """A bare repository under ``root`` whose ``main`` holds an app of ``size`` objects."""
    repository = Repository(bare=root / "bench.git", work=root / "bench")
    root.mkdir(parents=True, exist_ok=True)
    _git("init", "--quiet", "--bare", "--initial-branch=main", str(repository.bare), cwd=root)
    _git("init", "--quiet", "--initial-branch=main", str(repository.work), cwd=root)
    write_manifests(repository.manifests, objects(size))
    _git("add", ".", cwd=repository.work)
    _git("commit", "--quiet", "-m", f"An app of {size} objects", cwd=repository.work)
    _git("push", "--quiet", str(repository.bare), "main", cwd=repository.work)
    return repository

"""Write and load GitSources with ``spec.write`` next to the Secrets they name."""

from __future__ import annotations

from pathlib import Path

import pytest

from trueup.config import LoadedConfig, load_config

SECRETS = """\
---
apiVersion: v1
kind: Secret
metadata: {name: deploy-read}
stringData: {username: reader, password: read-pass, ca.crt: READ-CA}
---
apiVersion: v1
kind: Secret
metadata: {name: deploy-write}
stringData: {bearerToken: write-token}
---
apiVersion: v1
kind: Secret
metadata: {name: ssh-write}
stringData: {identity: KEY, known_hosts: HOSTS}
---
apiVersion: v1
kind: Secret
metadata: {name: ssh-signer}
stringData: {identity: "-----BEGIN OPENSSH PRIVATE KEY-----\\nabc\\n"}
---
apiVersion: v1
kind: Secret
metadata: {name: write-with-ca}
stringData: {bearerToken: write-token, ca.crt: WRITE-CA}
---
apiVersion: v1
kind: Secret
metadata: {name: half-basic}
stringData: {username: writer}
---
apiVersion: v1
kind: Secret
metadata: {name: regcred}
type: kubernetes.io/dockerconfigjson
stringData: {.dockerconfigjson: '{"auths": {}}', bearerToken: t}
"""
"""The Secrets written after the sources, for them to name."""

HTTPS = "url: https://git.example.test/org/deploy.git\nsecretRef: {name: deploy-read}"
"""An https source with read credentials: a ``spec`` body to add ``write`` to."""


def source(spec: str, name: str = "deploy") -> str:
    """A GitSource ``name`` with the ``spec`` body ``spec``; its first line is line 5."""
    body = "\n".join("  " + line for line in spec.strip().splitlines())
    return (
        f"apiVersion: trueup.dev/v1alpha1\nkind: GitSource\nmetadata: {{name: {name}}}\n"
        f"spec:\n{body}\n"
    )


def load(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str) -> LoadedConfig:
    """Load ``text`` followed by :data:`SECRETS` from ``sources.yaml``."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "sources.yaml").write_text(text + SECRETS)
    return load_config(Path("."))


def issues(config: LoadedConfig) -> list[str]:
    """Every issue of ``config`` as the user sees it."""
    return [str(issue) for issue in config.errors]

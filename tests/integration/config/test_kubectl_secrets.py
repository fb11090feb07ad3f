"""Secrets printed by the real ``kubectl create secret --dry-run=client`` load as they are."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tests.integration.config.kubectl import kubectl_secret
from tests.servers.git_http import make_tls
from trueup.config import load_config
from trueup.config.docker_config import DOCKER_CONFIG_KEY, parse_docker_config
from trueup.source.from_config import repository_for
from trueup.source.model import GitAuth

OUTPUTS = pytest.mark.parametrize("output", ["yaml", "json"])


def printed_with_null_creation_time(text: str) -> str:
    """``text``, once checked to hold what the loader once refused: a null creation time."""
    [document] = [d for d in yaml.safe_load_all(text) if d is not None]
    assert document["metadata"]["creationTimestamp"] is None
    return text


def source_yaml(url: str, secret: str, namespace: str | None = None) -> str:
    namespace_line = f"  namespace: {namespace}\n" if namespace else ""
    return (
        f"apiVersion: trueup.dev/v1alpha1\nkind: GitSource\nmetadata:\n  name: deploy\n"
        f"{namespace_line}spec:\n  url: {url}\n  secretRef: {{name: {secret}}}\n"
    )


def write_config(tmp_path: Path, objects: str, secret: str) -> Path:
    """A configuration folder: ``objects`` in one file, and kubectl's Secret, unmodified
    (YAML or JSON text, as printed), in another."""
    folder = tmp_path / "config"
    folder.mkdir()
    (folder / "objects.yaml").write_text(objects)
    (folder / "secret.yaml").write_text(secret)
    return folder


@OUTPUTS
def test_a_docker_registry_secret_loads_as_registry_credentials(
    output: str, tmp_path: Path
) -> None:
    printed = kubectl_secret(
        tmp_path,
        "docker-registry",
        "regcred",
        "--docker-server=registry.example.test",
        "--docker-username=bot",
        "--docker-password=pw",
        output=output,
    )
    image_repository = (
        "apiVersion: trueup.dev/v1alpha1\nkind: ImageRepository\nmetadata: {name: app}\n"
        "spec:\n  image: registry.example.test/org/app\n  secretRef: {name: regcred}\n"
    )
    folder = write_config(tmp_path, image_repository, printed_with_null_creation_time(printed))

    config = load_config(folder)

    assert [str(issue) for issue in config.errors] == []
    [secret] = config.secrets
    assert secret.type == "kubernetes.io/dockerconfigjson"
    value = secret.get(DOCKER_CONFIG_KEY)
    assert value is not None
    assert parse_docker_config(value.get_secret_value())
    assert [str(r.id) for r in config.image_repositories] == ["ImageRepository/app"]


@OUTPUTS
def test_a_generic_secret_in_a_namespace_gives_a_source_there_its_credentials(
    output: str, tmp_path: Path
) -> None:
    printed = kubectl_secret(
        tmp_path,
        "generic",
        "creds",
        "--namespace=team",
        "--from-literal=username=bot",
        "--from-literal=password=pw",
        output=output,
    )
    objects = source_yaml("https://git.example.test/org/deploy.git", "creds", namespace="team")
    folder = write_config(tmp_path, objects, printed_with_null_creation_time(printed))

    config = load_config(folder)

    assert [str(issue) for issue in config.errors] == []
    assert [str(s.id) for s in config.secrets] == ["Secret/team/creds"]
    [source] = config.sources
    assert repository_for(source, config).auth == GitAuth(username="bot", password="pw")


@OUTPUTS
def test_a_basic_auth_secret_gives_an_https_source_its_credentials(
    output: str, tmp_path: Path
) -> None:
    printed = kubectl_secret(
        tmp_path,
        "generic",
        "creds",
        "--type=kubernetes.io/basic-auth",
        "--from-literal=username=bot",
        "--from-literal=password=pw",
        output=output,
    )
    objects = source_yaml("https://git.example.test/org/deploy.git", "creds")
    folder = write_config(tmp_path, objects, printed_with_null_creation_time(printed))

    config = load_config(folder)

    assert [str(issue) for issue in config.errors] == []
    assert config.secrets[0].type == "kubernetes.io/basic-auth"
    [source] = config.sources
    assert repository_for(source, config).auth == GitAuth(username="bot", password="pw")


def test_a_basic_auth_secret_named_by_an_ssh_source_is_refused_for_its_type(
    tmp_path: Path,
) -> None:
    printed = kubectl_secret(
        tmp_path,
        "generic",
        "creds",
        "--type=kubernetes.io/basic-auth",
        "--from-literal=username=bot",
        "--from-literal=password=pw",
    )
    objects = source_yaml("ssh://git@git.example.test/org/deploy.git", "creds")
    folder = write_config(tmp_path, objects, printed)

    config = load_config(folder)

    assert [str(issue) for issue in config.errors] == [
        f"{folder / 'objects.yaml'}:7: GitSource/deploy: spec.secretRef.name: Secret 'creds' "
        "is of type kubernetes.io/basic-auth, which is read only for https Git credentials "
        "(a GitSource's spec.secretRef or spec.write.secretRef with an https URL), not here "
        "(name a Secret of type Opaque here)"
    ]
    assert config.sources == ()


def test_a_tls_secret_is_refused_for_its_type_alone(tmp_path: Path) -> None:
    tls = make_tls(tmp_path / "tls")
    printed = kubectl_secret(
        tmp_path, "tls", "web-tls", f"--cert={tls.cert_file}", f"--key={tls.key_file}"
    )
    file = tmp_path / "secret.yaml"
    file.write_text(printed_with_null_creation_time(printed))

    config = load_config(file)

    [issue] = config.errors
    assert (issue.object, issue.field) == ("Secret/web-tls", "type")
    assert "'kubernetes.io/tls' is not supported" in issue.message
    assert "PRIVATE KEY" not in str(issue)

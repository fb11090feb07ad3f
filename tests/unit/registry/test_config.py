"""``ImageRepository`` in a configuration: what is accepted, and what is refused and why."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from trueup.config import load_config
from trueup.config.docker_config import DockerConfigError, parse_docker_config, registry_host
from trueup.config.image_repository import ImageName, is_loopback, parse_image

CANARY = "canary-pass-4e1b9d"


def write(tmp_path: Path, spec: str, *extra: str) -> Path:
    path = tmp_path / "trueup.yaml"
    docs = [
        "apiVersion: trueup.dev/v1alpha1\nkind: ImageRepository\nmetadata: {name: app}\n"
        f"spec: {spec}\n",
        *extra,
    ]
    path.write_text("---\n".join(docs))
    return path


def secret(name: str, key: str, value: str) -> str:
    return (
        f"apiVersion: v1\nkind: Secret\nmetadata: {{name: {name}}}\n"
        f"stringData: {{{key!r}: {json.dumps(value)}}}\n"
    )


def issues(path: Path) -> list[str]:
    return [str(issue) for issue in load_config(path).errors]


def test_a_full_image_repository_loads_with_its_secrets(tmp_path: Path) -> None:
    auth = base64.b64encode(f"me:{CANARY}".encode()).decode()
    config = json.dumps({"auths": {"registry.example.test": {"auth": auth}}})
    path = write(
        tmp_path,
        "{image: registry.example.test/org/app, interval: 5m, secretRef: {name: regcred}, "
        "exclusionList: ['^.*\\.sig$', '^sha256-'], provider: generic, timeout: 10s}",
        secret("regcred", ".dockerconfigjson", config),
    )

    loaded = load_config(path)

    assert loaded.errors == ()
    [repo] = loaded.image_repositories
    assert repo.key == "app"
    assert repo.spec.image_name == ImageName("registry.example.test", "org/app")
    assert repo.spec.interval.total_seconds() == 300
    assert repo.spec.timeout.total_seconds() == 10
    assert repo.spec.exclusion_list == ("^.*\\.sig$", "^sha256-")


def test_defaults_exclude_signatures_and_scan_every_five_minutes(tmp_path: Path) -> None:
    [repo] = load_config(write(tmp_path, "{image: nginx}")).image_repositories

    assert repo.spec.image_name == ImageName("docker.io", "library/nginx")
    assert repo.spec.image_name.api_host == "registry-1.docker.io"
    assert repo.spec.exclusion_list == ("^.*\\.sig$",)
    assert repo.spec.interval.total_seconds() == 300
    assert repo.spec.provider == "generic"


@pytest.mark.parametrize("provider", ["aws", "gcp", "azure"])
def test_a_cloud_provider_is_refused_as_not_supported_yet(tmp_path: Path, provider: str) -> None:
    path = write(tmp_path, f"{{image: registry.example.test/app, provider: {provider}}}")

    [issue] = issues(path)

    assert "ImageRepository/app: spec.provider" in issue
    assert f"provider '{provider}' is not supported yet" in issue


def test_an_unknown_provider_is_refused(tmp_path: Path) -> None:
    [issue] = issues(write(tmp_path, "{image: registry.example.test/app, provider: quay}"))
    assert "'quay' is not a provider (use generic)" in issue


def test_an_exclusion_that_is_not_a_regular_expression_is_refused_at_load(tmp_path: Path) -> None:
    path = write(tmp_path, "{image: registry.example.test/app, exclusionList: ['^(v1']}")

    [issue] = issues(path)

    assert "trueup.yaml:" in issue
    assert "spec.exclusionList[0]" in issue
    assert "'^(v1': the pattern is not an RE2 regular expression" in issue


def test_an_exclusion_with_lookahead_is_refused_at_load(tmp_path: Path) -> None:
    path = write(tmp_path, "{image: registry.example.test/app, exclusionList: ['^(?!v)']}")

    [issue] = issues(path)

    assert "spec.exclusionList[0]" in issue
    assert "no lookaround or backreferences" in issue


def test_a_catastrophic_exclusion_runs_in_linear_time_over_every_tag() -> None:
    from trueup.registry.scan import excluded_by

    exclusion = excluded_by(["^(a+)+$", r"^.*\.sig$"])
    assert exclusion is not None
    tags = ["a" * n + "!" for n in range(20, 129)] * 50

    assert [t for t in tags if exclusion.search(t)] == []
    assert exclusion.search("a" * 128) is not None
    assert exclusion.search("sha256-abc.sig") is not None


@pytest.mark.parametrize(
    ("image", "says"),
    [
        ("registry.example.test/org/app:1.0", "the image names a tag"),
        ("registry.example.test/org/app@sha256:" + "a" * 64, "the image names a digest"),
        ("registry.example.test/Org/App", "is not a repository path"),
        ("''", "the image is empty"),
    ],
)
def test_an_image_with_a_tag_or_a_bad_name_is_refused(
    tmp_path: Path, image: str, says: str
) -> None:
    [issue] = issues(write(tmp_path, f"{{image: {image}}}"))
    assert "spec.image" in issue
    assert says in issue


def test_plain_http_is_refused_for_a_registry_that_is_not_on_loopback(tmp_path: Path) -> None:
    path = write(tmp_path, "{image: registry.example.test/app, insecure: true}")

    [issue] = issues(path)

    assert "plain http is allowed only for a registry on loopback" in issue


def test_plain_http_is_accepted_for_a_loopback_registry(tmp_path: Path) -> None:
    loaded = load_config(write(tmp_path, "{image: '127.0.0.1:5000/org/app', insecure: true}"))
    assert loaded.errors == ()
    assert loaded.image_repositories[0].spec.image_name.loopback


def test_a_missing_secret_or_key_drops_the_repository_with_an_issue(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "{image: registry.example.test/app, secretRef: {name: regcred}}",
        secret("regcred", "password", CANARY),
    )

    loaded = load_config(path)

    assert loaded.image_repositories == ()
    [issue] = [str(i) for i in loaded.errors]
    assert "spec.secretRef.name: Secret 'regcred' has no key .dockerconfigjson" in issue


def test_an_unreadable_docker_config_is_reported_without_its_values(tmp_path: Path) -> None:
    config = json.dumps({"auths": {"registry.example.test": {"auth": CANARY}}})
    path = write(
        tmp_path,
        "{image: registry.example.test/app, secretRef: {name: regcred}}",
        secret("regcred", ".dockerconfigjson", config),
    )

    [issue] = issues(path)

    assert "the auth of registry.example.test is not base64 of 'user:password'" in issue
    assert CANARY not in issue


def test_a_ca_secret_must_hold_a_pem_certificate(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "{image: registry.example.test/app, certSecretRef: {name: ca}}",
        secret("ca", "ca.crt", "not a certificate"),
    )
    [issue] = issues(path)
    assert "the ca.crt of Secret 'ca' is not a PEM certificate" in issue


def test_docker_config_entries_match_by_host_and_port_only() -> None:
    pair = base64.b64encode(b"alice:pw1").decode()
    config = parse_docker_config(
        json.dumps(
            {
                "auths": {
                    "https://registry.example.test:5000/v2/": {"auth": pair},
                    "https://index.docker.io/v1/": {"username": "bob", "password": "pw2"},
                }
            }
        )
    )

    found = config.for_host("registry.example.test:5000")
    assert found is not None
    assert (found.username, found.password) == ("alice", "pw1")
    assert config.for_host("registry.example.test") is None
    assert config.for_host("registry.example.test:5001") is None
    assert config.for_host("evil.example.test") is None
    hub = config.for_host("auth.docker.io")
    assert hub is not None
    assert hub.username == "bob"
    assert "pw1" not in repr(found)


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("nope", "it is not JSON"),
        ('{"auths": []}', "not a docker config.json"),
        ('{"auths": {"h": {"identitytoken": "x"}}}', "identity or registry token"),
        ('{"auths": {"h": {}}}', "neither auth nor username and password"),
    ],
)
def test_a_malformed_docker_config_says_what_is_wrong(text: str, says: str) -> None:
    with pytest.raises(DockerConfigError, match=says):
        parse_docker_config(text)


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1:5000", True),
        ("127.1.2.3", True),
        ("localhost:5000", True),
        ("[::1]:5000", True),
        ("registry.example.test", False),
        ("10.0.0.1:5000", False),
        ("localhost.example.test", False),
    ],
)
def test_loopback_hosts_are_recognised(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


def test_registry_hosts_are_normalised_from_docker_config_keys() -> None:
    assert registry_host("https://Registry.Example.Test:443/v2/") == "registry.example.test:443"
    assert registry_host("registry-1.docker.io") == "docker.io"


def test_images_parse_into_host_and_repository() -> None:
    assert parse_image("localhost:5000/app") == ImageName("localhost:5000", "app")
    assert parse_image("org/app") == ImageName("docker.io", "org/app")
    assert str(parse_image("ghcr.io/org/team/app")) == "ghcr.io/org/team/app"

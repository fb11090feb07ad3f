"""Authentication against real registries: htpasswd basic auth and token auth, and
credentials that never leave the host they belong to."""

from __future__ import annotations

import pytest

from tests.integration.registry.conftest import Configure, unique_repository
from tests.servers.registry_images import (
    PASSWORD,
    ImageRegistry,
    RegistryFront,
    basic_header,
    docker_config,
)
from trueup.errors import RegistryError
from trueup.registry import registry_access, scan_repository

pytestmark = pytest.mark.anyio


async def test_basic_auth_reads_tags_with_the_credentials_for_that_host(
    basic_registry: ImageRegistry, configure: Configure
) -> None:
    name = unique_repository()
    basic_registry.pusher.image(name, "1.0.0")
    config, repo = configure(
        f"{basic_registry.host}/{name}", docker_config=docker_config(basic_registry.host)
    )

    found = await scan_repository(repo, registry_access(config, repo))

    assert found.tags == ("1.0.0",)


async def test_a_secret_of_type_dockerconfigjson_reads_tags(
    basic_registry: ImageRegistry, configure: Configure
) -> None:
    name = unique_repository()
    basic_registry.pusher.image(name, "1.0.0")
    config, repo = configure(
        f"{basic_registry.host}/{name}",
        docker_config=docker_config(basic_registry.host),
        secret_type="kubernetes.io/dockerconfigjson",
    )

    found = await scan_repository(repo, registry_access(config, repo))

    assert found.tags == ("1.0.0",)


async def test_basic_auth_without_or_with_wrong_credentials_says_what_to_do(
    basic_registry: ImageRegistry, configure: Configure
) -> None:
    name = unique_repository()
    basic_registry.pusher.image(name, "1.0.0")
    image = f"{basic_registry.host}/{name}"
    no_entry = configure(image, docker_config=docker_config("127.0.0.1:1"))
    wrong = configure(image, docker_config=docker_config(basic_registry.host, password="nope"))

    for (config, repo), says in ((no_entry, "requires authentication"), (wrong, "refused")):
        with pytest.raises(RegistryError, match=says) as raised:
            await scan_repository(repo, registry_access(config, repo))
        assert PASSWORD not in str(raised.value)


async def test_token_auth_fetches_one_token_for_tags_and_digests(
    token_registry: ImageRegistry, configure: Configure
) -> None:
    front = token_registry.front
    assert front is not None
    name = unique_repository()
    index, _platforms = token_registry.pusher.multi_arch(name, "2.0.0")
    front.reset()
    config, repo = configure(f"{front.host}/{name}", docker_config=docker_config(front.host))

    found = await scan_repository(repo, registry_access(config, repo), digests_of=["2.0.0"])

    assert found.tags == ("2.0.0", "2.0.0-amd64", "2.0.0-arm64")
    assert dict(found.digests) == {"2.0.0": index}
    [asked] = front.token_requests
    assert asked.authorization == basic_header(), "the realm is on the registry's own host"
    assert f"scope=repository%3A{name.replace('/', '%2F')}%3Apull" in asked.path


async def test_a_token_server_on_another_host_gets_credentials_only_when_named(
    token_registry: ImageRegistry, configure: Configure
) -> None:
    front = token_registry.front
    assert front is not None
    name = unique_repository()
    token_registry.pusher.image(name, "1.0.0")
    front.reset()
    image = f"{token_registry.host}/{name}"  # the registry itself: its realm is the front
    registry_only = configure(image, docker_config=docker_config(token_registry.host))
    both = configure(image, docker_config=docker_config(token_registry.host, front.host))

    with pytest.raises(RegistryError, match=f"the token server {front.host} refused"):
        await scan_repository(registry_only[1], registry_access(*registry_only))
    assert [r.authorization for r in front.token_requests] == [None]

    found = await scan_repository(both[1], registry_access(*both))
    assert found.tags == ("1.0.0",)
    assert front.token_requests[-1].authorization == basic_header()


async def test_credentials_are_not_sent_to_the_host_a_registry_redirects_to(
    image_registry: ImageRegistry, plain_front: RegistryFront, configure: Configure
) -> None:
    other = RegistryFront(image_registry.pusher.base.removeprefix("http://"))
    try:
        name = unique_repository()
        image_registry.pusher.image(name, "1.0.0")
        plain_front.behaviour.require_basic = True
        plain_front.behaviour.redirect_to = other.base
        config, repo = configure(
            f"{plain_front.host}/{name}", docker_config=docker_config(plain_front.host, "127.0.0.1")
        )

        found = await scan_repository(repo, registry_access(config, repo))

        assert found.tags == ("1.0.0",)
        assert any(s.authorization == basic_header() for s in plain_front.seen)
        assert other.seen, "the redirect was followed"
        assert [s.authorization for s in other.seen] == [None] * len(other.seen)
    finally:
        other.close()


async def test_https_with_a_custom_ca_is_trusted_only_with_the_certificate_secret(
    tls_registry: tuple[ImageRegistry, str], configure: Configure
) -> None:
    registry, ca = tls_registry
    name = unique_repository()
    registry.pusher.image(name, "1.0.0")
    trusted = configure(f"{registry.host}/{name}", ca=ca)
    untrusted = configure(f"{registry.host}/{name}", insecure=False)

    found = await scan_repository(trusted[1], registry_access(*trusted))
    assert found.tags == ("1.0.0",)

    with pytest.raises(RegistryError, match="TLS certificate is not trusted") as raised:
        await scan_repository(untrusted[1], registry_access(*untrusted))
    assert "spec.certSecretRef" in str(raised.value)


async def test_plain_http_needs_insecure_on_a_loopback_registry(
    image_registry: ImageRegistry, configure: Configure
) -> None:
    name = unique_repository()
    image_registry.pusher.image(name, "1.0.0")
    config, repo = configure(f"{image_registry.host}/{name}", insecure=False)

    with pytest.raises(RegistryError, match=r"set spec\.insecure: true"):
        await scan_repository(repo, registry_access(config, repo))

"""Scanning the real registry (Debian's docker-registry) for tags and digests.

Images are pushed through the distribution API; pagination comes from the front server,
since the registry 2.8 sends every tag at once whatever ``n`` asks.
"""

from __future__ import annotations

import tracemalloc

import pytest

from tests.integration.registry.conftest import Configure, unique_repository
from tests.servers.registry_images import ImageRegistry, RegistryFront, write_tags
from trueup.errors import RegistryError, RegistryUnavailableError
from trueup.registry import ListLimits, registry_access, scan_repository

pytestmark = pytest.mark.anyio


async def test_tags_pushed_to_the_registry_are_listed_sorted(
    image_registry: ImageRegistry, configure: Configure
) -> None:
    name = unique_repository()
    for tag in ("1.0.0", "1.1.0", "0.9.0"):
        image_registry.pusher.image(name, tag)
    config, repo = configure(f"{image_registry.host}/{name}")

    found = await scan_repository(repo, registry_access(config, repo))

    assert found.tags == ("0.9.0", "1.0.0", "1.1.0")
    assert (found.malformed, found.excluded) == (0, 0)
    assert found.image == f"{image_registry.host}/{name}"


async def test_tags_are_read_page_by_page_through_link_headers(
    image_registry: ImageRegistry, plain_front: RegistryFront, configure: Configure
) -> None:
    name = unique_repository()
    digest = image_registry.pusher.image(name, "seed")
    write_tags(image_registry.storage, name, digest, [f"1.0.{n}" for n in range(25)])
    plain_front.behaviour.page_size = 10
    config, repo = configure(f"{plain_front.host}/{name}")

    found = await scan_repository(repo, registry_access(config, repo))

    assert len(found.tags) == 26
    assert found.pages == 3
    lists = [s.path for s in plain_front.seen if "/tags/list" in s.path]
    assert lists == [
        f"/v2/{name}/tags/list?n=1000",
        f"/v2/{name}/tags/list?n=10&last=1.0.17",
        f"/v2/{name}/tags/list?n=10&last=1.0.4",
    ]


async def test_ten_thousand_tags_are_read_in_pages_within_bounded_memory(
    image_registry: ImageRegistry, plain_front: RegistryFront, configure: Configure
) -> None:
    name = unique_repository()
    digest = image_registry.pusher.image(name, "seed")
    tags = [f"main-{n:05d}-{'a' * 40}" for n in range(10_000)]
    write_tags(image_registry.storage, name, digest, tags)
    plain_front.behaviour.page_size = 1000
    config, repo = configure(f"{plain_front.host}/{name}")

    tracemalloc.start()
    try:
        found = await scan_repository(repo, registry_access(config, repo))
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert len(found.tags) == 10_001
    assert found.pages == 11
    assert peak < 64 * 1024 * 1024, f"peak {peak / 1e6:.1f} MB while reading 10,000 tags"


async def test_a_registry_that_ignores_page_sizes_is_read_in_one_bounded_answer(
    image_registry: ImageRegistry, configure: Configure
) -> None:
    name = unique_repository()
    digest = image_registry.pusher.image(name, "seed")
    write_tags(image_registry.storage, name, digest, [f"b{n}" for n in range(3000)])
    config, repo = configure(f"{image_registry.host}/{name}")

    found = await scan_repository(repo, registry_access(config, repo))
    assert (len(found.tags), found.pages) == (3001, 1)

    with pytest.raises(RegistryError, match="larger than 16 KiB"):
        await scan_repository(
            repo, registry_access(config, repo), limits=ListLimits(max_page_bytes=16 * 1024)
        )


async def test_excluded_and_malformed_tags_are_left_out_and_counted(
    image_registry: ImageRegistry, plain_front: RegistryFront, configure: Configure
) -> None:
    name = unique_repository()
    digest = image_registry.pusher.image(name, "1.0.0")
    write_tags(image_registry.storage, name, digest, ["sha256-abc.sig", "1.1.0", "dev-1"])
    config, repo = configure(f"{plain_front.host}/{name}", exclusionList=["^.*\\.sig$", "^dev-"])

    found = await scan_repository(repo, registry_access(config, repo))

    assert found.tags == ("1.0.0", "1.1.0")
    assert found.excluded == 2
    plain_front.behaviour.tags = ["1.0.0", "bad tag", "-x", "a" * 129, "ok"]
    odd = await scan_repository(repo, registry_access(config, repo))
    assert (odd.tags, odd.malformed) == (("1.0.0", "ok"), 3)


async def test_the_digest_of_a_multi_arch_image_is_its_index_digest(
    image_registry: ImageRegistry, configure: Configure
) -> None:
    name = unique_repository()
    index, platforms = image_registry.pusher.multi_arch(name, "2.0.0")
    single = image_registry.pusher.image(name, "1.0.0")
    config, repo = configure(f"{image_registry.host}/{name}")

    found = await scan_repository(
        repo, registry_access(config, repo), digests_of=["2.0.0", "1.0.0", "9.9.9"]
    )

    assert dict(found.digests) == {"2.0.0": index, "1.0.0": single}
    assert index not in platforms.values()


async def test_a_repository_that_does_not_exist_is_a_clear_error(
    image_registry: ImageRegistry, configure: Configure
) -> None:
    config, repo = configure(f"{image_registry.host}/{unique_repository('missing/app')}")

    with pytest.raises(RegistryError, match=r"404 not found \(NAME_UNKNOWN"):
        await scan_repository(repo, registry_access(config, repo))


@pytest.mark.parametrize(
    ("fault", "error", "says"),
    [
        ("html502", RegistryUnavailableError, "answered 502 (an HTML error page)"),
        ("html200", RegistryError, "an HTML page instead of the registry API"),
        ("500", RegistryUnavailableError, "answered 500 (UNKNOWN: disk full)"),
        ("slow", RegistryUnavailableError, "did not answer within 1s (spec.timeout)"),
    ],
)
async def test_a_failing_registry_gives_a_typed_error_never_a_crash(
    plain_front: RegistryFront,
    configure: Configure,
    fault: str,
    error: type[Exception],
    says: str,
) -> None:
    plain_front.behaviour.fault = fault
    config, repo = configure(f"{plain_front.host}/{unique_repository()}", timeout="1s")

    with pytest.raises(error) as raised:
        await scan_repository(repo, registry_access(config, repo))

    assert says in str(raised.value)
    assert "<html" not in str(raised.value).lower()

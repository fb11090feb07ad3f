"""The registry client on an in-memory transport: challenges, tokens, redirects, limits.

The real registry is used in tests/integration/registry; these pin the rules whose
failures a real registry does not produce on demand (a pagination loop, a next page on
another host, a token server that answers nonsense).
"""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable

import httpx
import pytest

from trueup.config.docker_config import parse_docker_config
from trueup.config.image_repository import parse_image
from trueup.errors import RegistryError, RegistryUnavailableError
from trueup.registry import ListLimits, RegistrySession, list_tags, newest_tags, tag_digest
from trueup.registry.challenge import parse_challenge
from trueup.registry.tags import TAG, next_link

pytestmark = pytest.mark.anyio

PASSWORD = "pw-canary-93c1"
TOKEN = "token-canary-51aa"
BASIC = "Basic " + base64.b64encode(f"me:{PASSWORD}".encode()).decode()


def credentials(*hosts: str) -> str:
    auth = base64.b64encode(f"me:{PASSWORD}".encode()).decode()
    return json.dumps({"auths": {h: {"auth": auth} for h in hosts}})


Handler = Callable[[httpx.Request], httpx.Response]


def session(
    handler: Handler,
    *,
    image: str = "registry.example.test/org/app",
    docker: str | None = None,
    clock: Callable[[], float] | None = None,
) -> RegistrySession:
    return RegistrySession(
        parse_image(image),
        credentials=parse_docker_config(docker) if docker else None,
        transport=httpx.MockTransport(handler),
        clock=clock or time.monotonic,
    )


def tags_page(tags: list[object], link: str | None = None) -> httpx.Response:
    headers = {"Link": link} if link else {}
    return httpx.Response(200, json={"name": "org/app", "tags": tags}, headers=headers)


def test_a_bearer_challenge_is_read_with_quoted_and_escaped_values() -> None:
    challenge = parse_challenge(
        'Bearer realm="https://auth.example.test/token",service="reg \\"one\\"",'
        'scope="repository:org/app:pull,push", error="insufficient_scope"'
    )
    assert challenge is not None
    assert challenge.scheme == "bearer"
    assert challenge.get("realm") == "https://auth.example.test/token"
    assert challenge.get("service") == 'reg "one"'
    assert challenge.get("scope") == "repository:org/app:pull,push"
    assert parse_challenge("") is None
    basic = parse_challenge('Basic realm="Registry Realm"')
    assert basic is not None
    assert basic.scheme == "basic"


def test_the_next_link_is_resolved_against_the_page_url() -> None:
    current = "https://r.example.test/v2/org/app/tags/list?n=2"
    header = '</v2/org/app/tags/list?n=2&last=b>; rel="next"'
    assert next_link(header, current) == "https://r.example.test/v2/org/app/tags/list?n=2&last=b"
    assert next_link('<x>; rel="prev"', current) is None


@pytest.mark.parametrize(
    ("tag", "valid"),
    [("v1.2.3", True), ("_x", True), ("1.0-rc_1", True), (".hidden", False),
     ("-x", False), ("a/b", False), ("a" * 128, True), ("a" * 129, False), ("é", False)],
)  # fmt: skip
def test_tags_follow_the_oci_grammar(tag: str, valid: bool) -> None:
    assert bool(TAG.fullmatch(tag)) is valid


async def test_pages_are_followed_and_malformed_tags_dropped_and_counted() -> None:
    asked: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        asked.append(str(request.url))
        if "last=" not in str(request.url):
            return tags_page(
                ["1.0.0", "bad tag", 7], '</v2/org/app/tags/list?n=2&last=x>; rel="next"'
            )
        return tags_page(["1.1.0", "1.0.0", "-nope"])

    async with session(handler) as s:
        listed = await list_tags(s, "org/app", ListLimits(page_size=2))

    assert listed.tags == ("1.0.0", "1.1.0")
    assert listed.malformed == 3
    assert listed.pages == 2
    assert asked[0] == "https://registry.example.test/v2/org/app/tags/list?n=2"


async def test_a_next_page_already_read_ends_the_listing_with_an_error() -> None:
    def handler(_request: httpx.Request) -> httpx.Response:
        return tags_page(["a"], '</v2/org/app/tags/list?n=1000>; rel="next"')

    async with session(handler) as s:
        with pytest.raises(RegistryError, match="already read"):
            await list_tags(s, "org/app")


async def test_a_next_page_on_another_host_is_not_followed() -> None:
    def handler(_request: httpx.Request) -> httpx.Response:
        return tags_page(["a"], '<https://evil.example.test/v2/org/app/tags/list>; rel="next"')

    async with session(handler) as s:
        with pytest.raises(RegistryError, match="on another host"):
            await list_tags(s, "org/app")


async def test_more_tags_than_the_limit_is_a_clear_error() -> None:
    def handler(_request: httpx.Request) -> httpx.Response:
        return tags_page([f"t{i}" for i in range(11)])

    async with session(handler) as s:
        with pytest.raises(RegistryError, match="more than 10 tags; trueup reads at most"):
            await list_tags(s, "org/app", ListLimits(max_tags=10))


async def test_an_answer_larger_than_the_page_limit_is_not_read_to_the_end() -> None:
    def handler(_request: httpx.Request) -> httpx.Response:
        return tags_page([f"tag-{i:06d}" for i in range(5000)])

    async with session(handler) as s:
        with pytest.raises(RegistryError, match="larger than 16 KiB"):
            await list_tags(s, "org/app", ListLimits(max_page_bytes=16 * 1024))


async def test_a_page_count_above_the_limit_is_an_error() -> None:
    count = iter(range(10_000))

    def handler(_request: httpx.Request) -> httpx.Response:
        n = next(count)
        return tags_page([f"t{n}"], f'</v2/org/app/tags/list?last=t{n}>; rel="next"')

    async with session(handler) as s:
        with pytest.raises(RegistryError, match="more than 5 pages"):
            await list_tags(s, "org/app", ListLimits(max_pages=5))


async def test_basic_credentials_are_sent_after_the_challenge_and_never_shown() -> None:
    seen: list[str | None] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers.get("authorization"))
        if request.headers.get("authorization") != BASIC:
            return httpx.Response(401, headers={"WWW-Authenticate": 'Basic realm="r"'})
        return tags_page(["1.0.0"])

    async with session(handler, docker=credentials("registry.example.test")) as s:
        assert (await list_tags(s, "org/app")).tags == ("1.0.0",)
        await list_tags(s, "org/app")

    assert seen == [None, BASIC, BASIC], "anonymous first, then basic, remembered"


async def test_wrong_or_missing_credentials_say_what_to_do_without_showing_them() -> None:
    def handler(_request: httpx.Request) -> httpx.Response:
        return httpx.Response(401, headers={"WWW-Authenticate": 'Basic realm="r"'})

    async with session(handler, docker=credentials("registry.example.test")) as s:
        with pytest.raises(RegistryError, match="refused the credentials") as refused:
            await list_tags(s, "org/app")
    async with session(handler, docker=credentials("other.example.test")) as s:
        with pytest.raises(RegistryError, match="requires authentication") as missing:
            await list_tags(s, "org/app")

    for error in (refused.value, missing.value):
        assert PASSWORD not in str(error)
        assert "registry.example.test" in str(error)


def bearer_registry(realm: str, tokens: list[httpx.Request], *, expires_in: int = 300) -> Handler:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/token":
            tokens.append(request)
            return httpx.Response(200, json={"token": TOKEN, "expires_in": expires_in})
        if request.headers.get("authorization") != f"Bearer {TOKEN}":
            challenge = f'Bearer realm="{realm}",service="reg",scope="repository:org/app:pull"'
            return httpx.Response(401, headers={"WWW-Authenticate": challenge})
        if "/manifests/" in request.url.path:
            return httpx.Response(200, headers={"Docker-Content-Digest": "sha256:" + "b" * 64})
        return tags_page(["1.0.0"])

    return handler


async def test_a_bearer_token_is_fetched_once_per_scope_until_it_expires() -> None:
    now = [1000.0]
    tokens: list[httpx.Request] = []
    handler = bearer_registry("https://registry.example.test/token", tokens, expires_in=60)

    async with session(
        handler, docker=credentials("registry.example.test"), clock=lambda: now[0]
    ) as s:
        await list_tags(s, "org/app")
        assert await tag_digest(s, "org/app", "1.0.0") == "sha256:" + "b" * 64
        assert len(tokens) == 1
        now[0] += 61
        await list_tags(s, "org/app")

    assert len(tokens) == 2, "asked again once the first had expired"
    assert tokens[0].url.params["scope"] == "repository:org/app:pull"
    assert tokens[0].url.params["service"] == "reg"
    assert tokens[0].headers["authorization"] == BASIC, "same host: the registry's credentials"


async def test_a_token_server_on_another_host_gets_no_credentials_unless_named() -> None:
    tokens: list[httpx.Request] = []
    handler = bearer_registry("https://auth.example.test/token", tokens)

    async with session(handler, docker=credentials("registry.example.test")) as s:
        await list_tags(s, "org/app")
    async with session(
        handler, docker=credentials("registry.example.test", "auth.example.test")
    ) as s:
        await list_tags(s, "org/app")

    assert "authorization" not in tokens[0].headers
    assert tokens[1].headers["authorization"] == BASIC


async def test_a_plain_http_token_server_off_loopback_is_refused() -> None:
    handler = bearer_registry("http://auth.example.test/token", [])
    async with session(handler, docker=credentials("auth.example.test")) as s:
        with pytest.raises(RegistryError, match="is not https"):
            await list_tags(s, "org/app")


async def test_credentials_are_not_sent_after_a_redirect_to_another_host() -> None:
    seen: dict[str, str | None] = {}

    def handler(request: httpx.Request) -> httpx.Response:
        seen[request.url.host] = request.headers.get("authorization")
        if request.url.host == "registry.example.test":
            if request.headers.get("authorization") != BASIC:
                return httpx.Response(401, headers={"WWW-Authenticate": 'Basic realm="r"'})
            return httpx.Response(307, headers={"Location": "https://cdn.example.test/tags"})
        return tags_page(["1.0.0"])

    async with session(
        handler, docker=credentials("registry.example.test", "cdn.example.test")
    ) as s:
        assert (await list_tags(s, "org/app")).tags == ("1.0.0",)

    assert seen == {"registry.example.test": BASIC, "cdn.example.test": None}


async def test_a_redirect_from_https_to_http_is_refused() -> None:
    def handler(_request: httpx.Request) -> httpx.Response:
        return httpx.Response(302, headers={"Location": "http://registry.example.test/x"})

    async with session(handler) as s:
        with pytest.raises(RegistryError, match="from https to http"):
            await list_tags(s, "org/app")


@pytest.mark.parametrize(
    ("response", "error", "says"),
    [
        (httpx.Response(502, text="<html><body>Bad gateway</body></html>",
                        headers={"Content-Type": "text/html"}),
         RegistryUnavailableError, "answered 502 (an HTML error page)"),
        (httpx.Response(200, text="<!DOCTYPE html><html>Sign in</html>"),
         RegistryError, "an HTML page instead of the registry API"),
        (httpx.Response(503, json={"errors": [{"code": "UNAVAILABLE", "message": "busy"}]}),
         RegistryUnavailableError, "answered 503 (UNAVAILABLE: busy)"),
        (httpx.Response(429), RegistryUnavailableError, "answered 429"),
        (httpx.Response(404, json={"errors": [{"code": "NAME_UNKNOWN"}]}),
         RegistryError, "404 not found (NAME_UNKNOWN)"),
        (httpx.Response(200, text="{nope"), RegistryError, "the tag list is not JSON"),
    ],
)  # fmt: skip
async def test_faults_become_typed_errors_that_name_the_image(
    response: httpx.Response, error: type[Exception], says: str
) -> None:
    async with session(lambda _request: response) as s:
        with pytest.raises(error, match=r"^registry\.example\.test/org/app: ") as raised:
            await list_tags(s, "org/app")
    assert says in str(raised.value)


async def test_an_unreachable_registry_is_a_temporary_error() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    async with session(handler) as s:
        with pytest.raises(RegistryUnavailableError, match="could not be reached"):
            await list_tags(s, "org/app")


async def test_a_timeout_is_a_temporary_error_naming_the_setting() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("slow", request=request)

    async with session(handler) as s:
        with pytest.raises(RegistryUnavailableError, match=r"within 30s \(spec.timeout\)"):
            await list_tags(s, "org/app")


def test_plain_http_off_loopback_is_refused_by_the_session_too() -> None:
    with pytest.raises(RegistryError, match="only for a registry on loopback"):
        RegistrySession(parse_image("registry.example.test/app"), insecure=True)


def test_newest_tags_put_versions_first_highest_first() -> None:
    tags = ["1.0.0", "v1.10.0", "1.2.0", "main-abc-10", "main-abc-9", "1.0.0-rc.1", "latest"]
    assert newest_tags(tags, 6) == (
        "v1.10.0",
        "1.2.0",
        "1.0.0",
        "1.0.0-rc.1",
        "main-abc-9",
        "main-abc-10",
    )


def test_tls_settings_are_built_once_per_ca_and_shared_by_sessions() -> None:
    from trueup.registry.session import tls_context

    # Loading a CA bundle costs about 0.1 s of CPU: a scan of 100 repositories paid it 100
    # times. One context per CA, reused by every later session.
    assert tls_context(None) is tls_context(None)
    image = parse_image("registry.example.test/app")
    with pytest.raises(RegistryError, match="the CA certificate cannot be read"):
        RegistrySession(image, ca_pem="-----BEGIN CERTIFICATE-----\nnot a cert\n")

"""Reading registry credentials from a docker ``config.json``: one entry per host, keys
that name a host, and ``auth`` with or without base64 padding."""

from __future__ import annotations

import base64
import json

import pytest

from trueup.config.docker_config import DockerConfigError, parse_docker_config

PASSWORD = "pw-never-shown"


def auth(user: str = "bot", password: str = PASSWORD) -> str:
    return base64.b64encode(f"{user}:{password}".encode()).decode()


def test_two_keys_for_one_host_are_refused_naming_both() -> None:
    text = json.dumps(
        {
            "auths": {
                "https://r.example/v1/": {"auth": auth("first")},
                "r.example": {"auth": auth("second")},
            }
        }
    )
    with pytest.raises(DockerConfigError) as raised:
        parse_docker_config(text)
    message = str(raised.value)
    assert message == (
        "the keys 'https://r.example/v1/' and 'r.example' of auths both name r.example: keep one"
    )
    assert PASSWORD not in message


def test_docker_hubs_several_names_count_as_one_host() -> None:
    text = json.dumps(
        {"auths": {"https://index.docker.io/v1/": {"auth": auth()}, "docker.io": {"auth": auth()}}}
    )
    with pytest.raises(DockerConfigError, match=r"both name docker\.io"):
        parse_docker_config(text)


def test_a_key_written_twice_is_refused_rather_than_the_last_kept() -> None:
    first, second = auth("first"), auth("second")
    text = (
        f'{{"auths": {{"r.example": {{"auth": "{first}"}}, "r.example": {{"auth": "{second}"}}}}}}'
    )
    with pytest.raises(DockerConfigError, match=r"the key 'r\.example' is written twice"):
        parse_docker_config(text)


@pytest.mark.parametrize("key", ["", "   ", "https://", "http:///v1/"])
def test_a_key_that_names_no_host_says_so(key: str) -> None:
    text = json.dumps({"auths": {key: {"auth": auth()}}})
    with pytest.raises(DockerConfigError) as raised:
        parse_docker_config(text)
    assert str(raised.value) == (
        f"the key {key!r} of auths names no registry: write the host, such as "
        "registry.example.com:5000"
    )


def test_an_entry_that_is_not_an_object_names_its_host() -> None:
    with pytest.raises(DockerConfigError) as raised:
        parse_docker_config('{"auths": {"r.example:5000": "bot"}}')
    assert str(raised.value) == "the entry of r.example:5000 in auths is not an object"


@pytest.mark.parametrize("password", ["p", "pw", "pw3"])
def test_auth_is_read_with_or_without_base64_padding(password: str) -> None:
    padded = auth("bot", password)
    for written in (padded, padded.rstrip("=")):
        config = parse_docker_config(json.dumps({"auths": {"r.example": {"auth": written}}}))
        found = config.for_host("r.example")
        assert found is not None
        assert (found.username, found.password) == ("bot", password)
    assert any(auth("bot", p).endswith("=") for p in ("p", "pw")), "padding is exercised"


@pytest.mark.parametrize("written", ["Ym90OnB3Z", "not base64!", "Ym90", "Ym9 0OnB3"])
def test_auth_that_is_not_base64_of_user_and_password_is_refused(written: str) -> None:
    text = json.dumps({"auths": {"r.example": {"auth": written}}})
    with pytest.raises(DockerConfigError) as raised:
        parse_docker_config(text)
    assert str(raised.value) == "the auth of r.example is not base64 of 'user:password'"

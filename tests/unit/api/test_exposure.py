"""Beyond loopback, ``trueup serve`` needs ApiTokens or a loudly named flag."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
import yaml

from trueup.cli import serve as serving
from trueup.cli.settings import Settings
from trueup.daemon.daemon import DaemonOptions
from trueup.daemon.http import INSECURE_FLAG, Address, check_exposure, parse_listen
from trueup.errors import ConfigError

NETWORK = Address("0.0.0.0", 8080)  # noqa: S104 - the case under test
LOOPBACK = Address("127.0.0.1", 8080)


def test_loopback_needs_nothing_and_the_network_needs_tokens_or_the_flag() -> None:
    check_exposure({"--listen": LOOPBACK}, tokens=False, insecure=False)
    check_exposure({"--listen": NETWORK}, tokens=True, insecure=False)
    check_exposure({"--listen": NETWORK}, tokens=False, insecure=True)
    with pytest.raises(ConfigError) as refused:
        check_exposure(
            {"--listen": LOOPBACK, "--webhook-listen": NETWORK}, tokens=False, insecure=False
        )
    message = str(refused.value)
    assert message.startswith("--webhook-listen 0.0.0.0:8080")
    assert "ApiToken" in message
    assert INSECURE_FLAG in message


@pytest.mark.parametrize(
    ("text", "loopback"),
    [("127.0.0.1:0", True), ("[::1]:80", True), ("localhost:1", True), ("0.0.0.0:80", False),
     ("10.1.2.3:8080", False), ("example.com:80", False)],
)  # fmt: skip
def test_listen_addresses_parse_and_know_whether_they_are_loopback(
    text: str, loopback: bool
) -> None:
    assert parse_listen(text, "--listen").loopback is loopback


def test_serve_refuses_to_start_on_the_network_without_tokens(tmp_path: Path) -> None:
    config = tmp_path / "trueup.yaml"
    config.write_text(
        yaml.safe_dump(
            {
                "apiVersion": "trueup.dev/v1alpha1",
                "kind": "GitSource",
                "metadata": {"name": "shop"},
                "spec": {"url": "https://git.example.test/shop.git"},
            }
        )
    )
    settings = Settings(config, tmp_path / "store.db", kubeconfig=None, context=None)
    options = serving.ServeOptions(
        listen=parse_listen("0.0.0.0:0", "--listen"), webhook_listen=None, daemon=DaemonOptions()
    )
    with pytest.raises(ConfigError, match=INSECURE_FLAG):
        asyncio.run(serving.run(settings, options))

"""The daemon's HTTP listeners: probes and metrics, and the webhook receivers.

``/healthz`` answers while the process serves; ``/readyz`` once every source has been
polled; ``/metrics`` in the Prometheus text format; ``POST /hooks/<receiver>`` for the
forges (see :mod:`trueup.daemon.hooks`). With ``--webhook-listen`` the hooks get a
listener of their own, so that only they need to be reachable from the forge. The HTTP
API (:mod:`trueup.api`) is served on the main listener.

A listener beyond loopback needs authentication: :func:`check_exposure` refuses one
unless the configuration declares ApiTokens or ``--insecure-no-auth-on-network`` is given.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass

from aiohttp import web

from trueup.errors import ConfigError


@dataclass(frozen=True, slots=True)
class Address:
    """A host and port to listen on (port 0: any free port)."""

    host: str
    port: int

    def __str__(self) -> str:
        return f"[{self.host}]:{self.port}" if ":" in self.host else f"{self.host}:{self.port}"

    @property
    def loopback(self) -> bool:
        """Whether only this machine can reach the address."""
        return is_loopback(self.host)


INSECURE_FLAG = "--insecure-no-auth-on-network"
"""The option of ``trueup serve`` that lets an API without tokens listen beyond loopback."""


def is_loopback(host: str) -> bool:
    """Whether ``host`` (an IP address, or ``localhost``) is this machine only."""
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return host == "localhost"


def parse_listen(text: str, option: str) -> Address:
    """``HOST:PORT`` as an :class:`Address`; a ConfigError names ``option``.

    Whether an address beyond loopback may be used is :func:`check_exposure`'s to say.
    """
    host, sep, port = text.rpartition(":")
    host = host.strip("[]")
    if not sep or not port.isdigit() or int(port) > 65535 or not host:
        raise ConfigError(f"{option} {text!r}: write HOST:PORT, such as 127.0.0.1:8080")
    return Address(host, int(port))


def check_exposure(addresses: dict[str, Address], *, tokens: bool, insecure: bool) -> None:
    """Refuse (ConfigError) to listen beyond loopback without authentication.

    ``addresses`` by the option that set them; ``tokens``: the configuration declares
    ApiTokens; ``insecure``: :data:`INSECURE_FLAG` was given.
    """
    for option, address in addresses.items():
        if address.loopback or tokens or insecure:
            continue
        raise ConfigError(
            f"{option} {address}: beyond loopback, the API needs authentication and the "
            "configuration declares no ApiToken. Declare one (see the README, HTTP API), "
            "listen on 127.0.0.1, or accept anyone on the network acting as an operator "
            f"with {INSECURE_FLAG}"
        )


class Listener:
    """One aiohttp application served on one address until :meth:`stop`."""

    def __init__(self, app: web.Application) -> None:
        self._runner = web.AppRunner(app, handle_signals=False, access_log=None)
        self.address: Address | None = None

    async def start(self, address: Address) -> Address:
        """Listen on ``address``; return the address bound (the real port for port 0)."""
        await self._runner.setup()
        family = socket.AF_INET6 if ":" in address.host else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((address.host, address.port))
        except OSError as e:
            sock.close()
            await self._runner.cleanup()
            raise ConfigError(f"cannot listen on {address}: {e.strerror}") from None
        site = web.SockSite(self._runner, sock)
        await site.start()
        self.address = Address(address.host, sock.getsockname()[1])
        return self.address

    async def stop(self) -> None:
        """Stop accepting connections and close the open ones."""
        await self._runner.cleanup()

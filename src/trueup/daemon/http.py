"""The daemon's HTTP listeners: probes and metrics, and the webhook receivers.

``/healthz`` answers while the process serves; ``/readyz`` once every source has been
polled; ``/metrics`` in the Prometheus text format; ``POST /hooks/<receiver>`` for the
forges (see :mod:`trueup.daemon.hooks`). With ``--webhook-listen`` the hooks get a
listener of their own, so that only they need to be reachable from the forge.
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


def parse_listen(text: str, option: str) -> Address:
    """``HOST:PORT`` as an :class:`Address` on loopback; a ConfigError names ``option``.

    Until the HTTP API has authentication, nothing but this machine may reach the daemon.
    """
    host, sep, port = text.rpartition(":")
    host = host.strip("[]")
    if not sep or not port.isdigit() or int(port) > 65535 or not host:
        raise ConfigError(f"{option} {text!r}: write HOST:PORT, such as 127.0.0.1:8080")
    try:
        loopback = ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = host == "localhost"
    if not loopback:
        raise ConfigError(
            f"{option} {text!r}: trueup serve listens on loopback only (127.0.0.1, ::1 or "
            "localhost) until its API has authentication; put a reverse proxy in front to "
            "expose webhooks"
        )
    return Address(host, int(port))


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

"""The daemon's HTTP routes: ``/healthz``, ``/readyz``, ``/metrics`` and ``/hooks/<name>``."""

from __future__ import annotations

from aiohttp import web

from trueup.daemon.daemon import Daemon
from trueup.daemon.events import Event, Kind, Level
from trueup.daemon.metrics import CONTENT_TYPE
from trueup.store import Trigger
from trueup.webhooks import (
    MAX_BODY_BYTES,
    Outcome,
    Verdict,
    content_length_verdict,
    image_repositories_to_refresh,
    sources_to_refresh,
    verify,
)


def probe_routes(daemon: Daemon) -> list[web.RouteDef]:
    """Liveness, readiness and metrics of ``daemon``."""

    async def healthz(_request: web.Request) -> web.Response:
        return web.Response(text="ok\n")

    async def readyz(_request: web.Request) -> web.Response:
        if daemon.ready:
            return web.Response(text="ready\n")
        return web.Response(status=503, text="not ready: sources not polled yet\n")

    async def metrics(_request: web.Request) -> web.Response:
        daemon.metrics.queue_depth.set(daemon.queue.depth)
        return web.Response(body=daemon.metrics.render(), headers={"Content-Type": CONTENT_TYPE})

    return [web.get("/healthz", healthz), web.get("/readyz", readyz), web.get("/metrics", metrics)]


async def _read_capped(request: web.Request, cap: int) -> bytes | None:
    """The body, or None as soon as it is longer than ``cap`` (the rest is never read)."""
    chunks: list[bytes] = []
    size = 0
    while chunk := await request.content.readany():
        size += len(chunk)
        if size > cap:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def hook_routes(daemon: Daemon) -> list[web.RouteDef]:
    """``POST /hooks/<receiver>``: verify a forge's hook and refresh the sources it names.

    The answer is the verdict's status (200, 400, 401, 413; 404 for an unknown receiver);
    the body of a request is read only up to the cap. The payload only picks sources: the
    revision always comes from Git.
    """

    async def hook(request: web.Request) -> web.Response:
        name = request.match_info["name"]
        if not daemon.started:
            return web.Response(status=503, text="starting; send the hook again shortly\n")
        config = daemon.config
        receiver = config.receiver(name)
        if receiver is None:
            daemon.metrics.webhook_requests.labels("", "404").inc()
            return web.Response(status=404, text="no such receiver\n")
        verdict = content_length_verdict(request.headers)
        if verdict is None:
            body = await _read_capped(request, MAX_BODY_BYTES)
            verdict = (
                verify(
                    receiver.spec.type,
                    config.receiver_secret(receiver),
                    request.headers,
                    body,
                    receiver.spec.events,
                )
                if body is not None
                else Verdict(Outcome.TOO_LARGE, f"the body is over {MAX_BODY_BYTES} bytes")
            )
        refreshed = []
        if verdict.outcome is Outcome.ACCEPTED:
            for source in sources_to_refresh(config, receiver, verdict):
                if daemon.refresh(source.id, str(Trigger.webhook(name))):
                    refreshed.append(str(source.id))
            for repo in image_repositories_to_refresh(config, receiver, verdict):
                if daemon.images.refresh(repo.key):
                    refreshed.append(str(repo.id))
        result = verdict.outcome.value if verdict.status == 200 else str(verdict.status)
        daemon.metrics.webhook_requests.labels(name, result).inc()
        daemon.bus.publish(
            Event(
                Kind.HOOK,
                verdict.message,
                level=Level.INFO if verdict.status == 200 else Level.WARNING,
                fields={
                    "receiver": name,
                    "status": verdict.status,
                    "ref": verdict.ref,
                    "refreshed": ", ".join(refreshed) or None,
                },
            )
        )
        return web.Response(status=verdict.status, text=verdict.message + "\n")

    return [web.post("/hooks/{name}", hook)]

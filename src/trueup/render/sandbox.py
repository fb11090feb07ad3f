"""Run one render in a child process bounded in memory and time, so a hostile repository
costs a bounded amount of both and the apps rendered beside it keep going.

The child is forked (no new interpreter, nothing imported again) from the thread running
the event loop, and does nothing but the render: files, libyaml, and ``kubectl
kustomize``. Forking a process with threads (the SQLite store has one) is safe here
because the child touches nothing those threads may hold locked (no store, no HTTP client,
no logging) and leaves with ``os._exit``, running no cleanup of the parent's.

The child's data segment may grow by ``RenderLimits.max_memory_bytes`` over the parent's
(``RLIMIT_DATA``: unlike ``RLIMIT_AS`` it counts memory actually allocated, so Go's large
address-space reservations in kubectl are not mistaken for use), and its CPU time is
capped as a backstop. The parent waits at most ``RenderLimits.timeout_seconds``
of wall-clock time, then stops the child: SIGTERM first (the child kills its kubectl on the
way out), SIGKILL after a grace period. Cancelling the awaiting task stops it the same way.

The result travels back over a pipe as JSON (orjson): rendered values are JSON-ready
already (``trueup.kubeyaml`` reads them as kubectl does), so the boundary never changes
what a render returns. Only the message of a ``RenderError`` crosses back, never a
traceback.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import resource
import signal
from collections.abc import Callable
from dataclasses import replace
from types import FrameType, MappingProxyType
from typing import Any, Final

import orjson

from trueup.errors import RenderError
from trueup.objects import Object, ObjectId, Origin, object_id
from trueup.plan.hooks import Hook
from trueup.render.options import Rendered, RenderLimits

_JSON: Final = b"J"
_ERROR: Final = b"E"
_GRACE_SECONDS: Final = 1.0
"""How long a stopped child may take to kill its kubectl and exit before SIGKILL."""

_EXIT_MEMORY: Final = 3


class _Stopped(BaseException):
    """Raised in the child by SIGTERM, so ``finally`` blocks (kubectl's kill) still run."""


async def run_sandboxed(work: Callable[[], Rendered], limits: RenderLimits) -> Rendered:
    """``work()`` run in a forked child within ``limits``; its result or its RenderError."""
    read_fd, write_fd = os.pipe()
    # SIGTERM stays blocked until the child has replaced the parent's handler, so a stop
    # that comes very early never runs the parent's handler (an event loop's, say) in it.
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM})
    try:
        pid = os.fork()
    except BaseException:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM})
        os.close(read_fd)
        os.close(write_fd)
        raise
    if pid == 0:  # pragma: no cover - the child's coverage is not collected
        os.close(read_fd)
        _child(work, write_fd, limits)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM})
    os.close(write_fd)
    child = _Child(pid)
    try:
        try:
            async with asyncio.timeout(limits.timeout_seconds):
                data = await _read_all(read_fd)
                status = await child.exited()
        except TimeoutError:
            await child.stop()
            raise RenderError(
                f"the render took longer than {limits.timeout_seconds:g}s and was stopped; "
                "render a smaller path or raise the render time limit"
            ) from None
    finally:
        os.close(read_fd)
        child.stop_soon()
    return _result(data, status, limits)


def _result(data: bytes, status: int, limits: RenderLimits) -> Rendered:
    tag, payload = data[:1], data[1:]
    if tag == _JSON and os.waitstatus_to_exitcode(status) == 0:
        decoded = orjson.loads(payload)
        rendered = _rendered(tuple(decoded["objects"]), decoded["origins"], decoded["reads"])
        unstable = tuple((ObjectId(*field[:4]), field[4]) for field in decoded["unstable"])
        hooks = tuple(_hook(hook) for hook in decoded["hooks"])
        return replace(
            rendered,
            masked_values=frozenset(decoded["masked"]),
            unstable=unstable,
            hooks=hooks,
            chart_version=decoded["chart"][0],
            chart_digest=decoded["chart"][1],
        )
    if tag == _ERROR:
        raise RenderError(payload.decode("utf-8", "replace"))
    code = os.waitstatus_to_exitcode(status)
    if code == _EXIT_MEMORY or code == -signal.SIGKILL:
        raise RenderError(_memory_message(limits))
    if code == -signal.SIGXCPU:
        raise RenderError(
            f"the render used more than {limits.timeout_seconds:g}s of CPU time and was "
            "stopped; render a smaller path or raise the render time limit"
        )
    how = f"signal {-code}" if code < 0 else f"exit code {code}"
    raise RenderError(
        f"the render process ended without a result ({how}); it may have run out of its "
        f"{limits.max_memory_bytes} bytes of memory: render a smaller path or raise the limit"
    )


def _rendered(
    objects: tuple[Object, ...], origins: list[list[Any] | None], reads: list[str]
) -> Rendered:
    found = {
        object_id(obj): Origin(origin[0], origin[1])
        for obj, origin in zip(objects, origins, strict=True)
        if origin is not None
    }
    return Rendered(objects, MappingProxyType(found), frozenset(reads))


def _hook(encoded: dict[str, Any]) -> Hook:
    path, line = encoded["origin"]
    return Hook(
        encoded["object"],
        Origin(path, line),
        tuple(encoded["events"]),
        int(encoded["weight"]),
        tuple(encoded["policies"]),
    )


def _memory_message(limits: RenderLimits) -> str:
    return (
        f"the render needed more than its memory limit of {limits.max_memory_bytes} bytes "
        "and was stopped; render a smaller path or raise the render memory limit"
    )


async def _read_all(fd: int) -> bytes:
    """Everything written to the pipe ``fd`` until the child closes it."""
    loop = asyncio.get_running_loop()
    chunks: list[bytes] = []
    done: asyncio.Future[None] = loop.create_future()
    os.set_blocking(fd, False)

    def readable() -> None:
        try:
            while chunk := os.read(fd, 1 << 20):
                chunks.append(chunk)
        except BlockingIOError:
            return
        except OSError as e:
            if not done.done():
                done.set_exception(e)
        if not done.done():
            done.set_result(None)

    loop.add_reader(fd, readable)
    try:
        await done
    finally:
        loop.remove_reader(fd)
    return b"".join(chunks)


def _resolve(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


class _Child:
    """A forked child: wait for it, stop it, and always reap it."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self._pidfd = os.pidfd_open(pid)
        self._status: int | None = None

    def _poll(self) -> bool:
        if self._status is None:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid == 0:
                return False
            self._status = status
            os.close(self._pidfd)
        return True

    async def exited(self) -> int:
        """The child's wait status, once it has exited."""
        loop = asyncio.get_running_loop()
        while not self._poll():
            ready: asyncio.Future[None] = loop.create_future()
            loop.add_reader(self._pidfd, _resolve, ready)
            try:
                await ready
            finally:
                loop.remove_reader(self._pidfd)
        assert self._status is not None
        return self._status

    def _signal(self, signum: int) -> None:
        if not self._poll():
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signum)

    async def stop(self) -> None:
        """SIGTERM, a grace period to clean up, then SIGKILL; reaped either way."""
        self._signal(signal.SIGTERM)
        try:
            async with asyncio.timeout(_GRACE_SECONDS):
                await self.exited()
        except TimeoutError:
            self._signal(signal.SIGKILL)
            await self.exited()

    def stop_soon(self) -> None:
        """Stop the child without awaiting (for a cancelled render); reaped in the background."""
        if self._poll():
            return
        self._signal(signal.SIGTERM)
        loop = asyncio.get_running_loop()
        loop.call_later(_GRACE_SECONDS, self._signal, signal.SIGKILL)
        loop.add_reader(self._pidfd, self._reap_and_forget, loop)

    def _reap_and_forget(self, loop: asyncio.AbstractEventLoop) -> None:
        loop.remove_reader(self._pidfd)  # before _poll closes it
        if not self._poll():
            loop.add_reader(self._pidfd, self._reap_and_forget, loop)


def _child(work: Callable[[], Rendered], fd: int, limits: RenderLimits) -> None:  # pragma: no cover
    """The child's whole life: limits, the work, one message, and ``os._exit``."""
    code = 0
    try:
        with contextlib.suppress(ValueError):
            signal.set_wakeup_fd(-1)  # the parent's event loop listens on that one
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the parent, which stops us
        signal.signal(signal.SIGTERM, _raise_stopped)
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM})
        _limit_resources(limits)
        try:
            message = _encoded(work())
        except RenderError as e:
            message = _ERROR + str(e).encode("utf-8", "replace")
        except MemoryError:
            message = _ERROR + _memory_message(limits).encode()
            code = _EXIT_MEMORY
        except _Stopped:
            message, code = b"", 1
        except Exception as e:  # a bug must not print values in a traceback
            message = _ERROR + _bug(e).encode()
        _write_all(fd, message)
    except BaseException:  # whatever happens, the child never returns
        code = code or 1
    finally:
        os._exit(code)


def _raise_stopped(signum: int, frame: FrameType | None) -> None:  # pragma: no cover
    raise _Stopped


def _limit_resources(limits: RenderLimits) -> None:  # pragma: no cover
    """Cap the child's data segment (from what it shares with the parent now) and CPU time."""
    used = _data_bytes()
    _, hard = resource.getrlimit(resource.RLIMIT_DATA)
    soft = used + limits.max_memory_bytes
    if hard != resource.RLIM_INFINITY:
        soft = min(soft, hard)
    resource.setrlimit(resource.RLIMIT_DATA, (soft, hard))
    cpu = int(limits.timeout_seconds) + 2
    _, hard_cpu = resource.getrlimit(resource.RLIMIT_CPU)
    if hard_cpu == resource.RLIM_INFINITY or cpu < hard_cpu:
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, hard_cpu))


def _data_bytes() -> int:  # pragma: no cover
    with open("/proc/self/status", encoding="ascii") as f:
        for line in f:
            if line.startswith("VmData:"):
                return int(line.split()[1]) * 1024
    return 0


def _encoded(rendered: Rendered) -> bytes:
    """The result as JSON: rendered values are JSON-ready (see ``trueup.kubeyaml``)."""
    origins = [_origin(rendered.origins.get(object_id(obj))) for obj in rendered.objects]
    reads = sorted(rendered.reads)
    masked = sorted(rendered.masked_values)  # decrypted values: the parent masks them too
    unstable = [
        [oid.group, oid.kind, oid.namespace, oid.name, pointer]
        for oid, pointer in rendered.unstable
    ]
    return _JSON + orjson.dumps(
        {
            "objects": rendered.objects,
            "origins": origins,
            "reads": reads,
            "masked": masked,
            "unstable": unstable,
            "chart": [rendered.chart_version, rendered.chart_digest],
            "hooks": [
                {
                    "object": hook.obj,
                    "origin": _origin(hook.origin),
                    "events": hook.events,
                    "weight": hook.weight,
                    "policies": hook.delete_policies,
                }
                for hook in rendered.hooks
            ],
        }
    )


def _origin(origin: Origin | None) -> list[Any] | None:
    return None if origin is None else [origin.path, origin.line]


def _bug(error: Exception) -> str:
    frame = error.__traceback__
    while frame is not None and frame.tb_next is not None:
        frame = frame.tb_next
    where = ""
    if frame is not None:
        code = frame.tb_frame.f_code
        where = f" in {os.path.basename(code.co_filename)}:{frame.tb_lineno} ({code.co_name})"
    # The exception's message is left out: it may quote a manifest's values.
    return f"rendering failed with {type(error).__name__}{where}; this is a bug in trueup"


def _write_all(fd: int, data: bytes) -> None:  # pragma: no cover
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]

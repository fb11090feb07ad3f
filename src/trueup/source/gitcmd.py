"""Run git (and gpg) as a child process: argument lists, hardened environment, bounded.

Every command gets a fresh environment built here, never the caller's: no system or
global git config, no terminal prompts, only the allowed protocols, ``LC_ALL=C`` so that
messages can be classified. A command that outlives its timeout, or whose caller is
cancelled, is killed with its whole process group (git starts helpers such as
``git-remote-https`` and ``ssh``). Output is read with a size cap so that a hostile server
cannot make trueup buffer without bound.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from trueup.errors import SourceError, SourceUnavailableError
from trueup.source.diagnose import error_for
from trueup.source.redact import Redactor

MAX_STDOUT = 64 * 1024 * 1024
MAX_STDERR = 64 * 1024
_DEFAULT_PATH = "/usr/local/bin:/usr/bin:/bin"


@dataclass(frozen=True)
class GitSettings:
    """What a git environment allows and carries for one fetch."""

    home: Path
    allowed_protocols: tuple[str, ...]
    config: tuple[tuple[str, str], ...] = ()
    env: Mapping[str, str] = field(default_factory=dict)


def git_environment(settings: GitSettings) -> dict[str, str]:
    """The complete environment git runs with; config goes via ``GIT_CONFIG_*``, not argv."""
    config: list[tuple[str, str]] = [
        ("protocol.allow", "never"),
        *((f"protocol.{name}.allow", "always") for name in settings.allowed_protocols),
        ("protocol.ext.allow", "never"),
        ("http.followRedirects", "false"),
        ("credential.helper", ""),
        ("core.askPass", ""),
        ("core.hooksPath", "/dev/null"),
        ("core.fsmonitor", "false"),
        ("gc.autoDetach", "false"),
        ("advice.detachedHead", "false"),
        *settings.config,
    ]
    env = {
        "PATH": os.environ.get("PATH", _DEFAULT_PATH),
        "HOME": str(settings.home),
        "LC_ALL": "C",
        "LANG": "C",
        "GIT_TERMINAL_PROMPT": "0",
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_CONFIG_GLOBAL": "/dev/null",
        "GIT_ALLOW_PROTOCOL": ":".join(settings.allowed_protocols),
        "GIT_PROTOCOL_FROM_USER": "0",
        "GIT_NO_REPLACE_OBJECTS": "1",
        "GIT_CONFIG_COUNT": str(len(config)),
        "GNUPGHOME": str(settings.home / "gnupg"),
    }
    for index, (key, value) in enumerate(config):
        env[f"GIT_CONFIG_KEY_{index}"] = key
        env[f"GIT_CONFIG_VALUE_{index}"] = value
    env.update(settings.env)
    return env


@dataclass(frozen=True)
class Completed:
    """A finished command: exit status, stdout bytes and (redacted) stderr text."""

    returncode: int
    stdout: bytes
    stderr: str


class GitRunner:
    """Runs commands in one environment with one timeout, redacting their messages."""

    def __init__(self, env: Mapping[str, str], *, timeout: float, redactor: Redactor) -> None:
        self._env = dict(env)
        self._timeout = timeout
        self._redact = redactor

    @property
    def home(self) -> Path:
        """The private scratch directory this runner's commands use as ``HOME``."""
        return Path(self._env["HOME"])

    @property
    def redact(self) -> Redactor:
        """The redactor applied to every message this runner produces."""
        return self._redact

    async def git(
        self, args: Sequence[str], *, what: str, cwd: Path, check: bool = True
    ) -> Completed:
        """Run ``git args``; on failure raise the classified error, naming ``what``."""
        return await self.run(["git", *args], what=what, cwd=cwd, check=check)

    async def run(
        self,
        argv: Sequence[str],
        *,
        what: str,
        cwd: Path,
        check: bool = True,
        stdin: bytes | None = None,
        env: Mapping[str, str] | None = None,
    ) -> Completed:
        """Run ``argv`` (no shell); kill it on timeout or cancellation."""
        try:
            proc = await asyncio.create_subprocess_exec(
                *argv,
                cwd=cwd,
                env={**self._env, **(env or {})},
                stdin=asyncio.subprocess.PIPE if stdin is not None else asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
                start_new_session=True,
            )
        except OSError as e:
            raise SourceError(f"{what} failed: cannot run {argv[0]}: {e.strerror}") from None
        try:
            async with asyncio.timeout(self._timeout):
                done = await self._communicate(proc, stdin)
        except TimeoutError:
            raise SourceUnavailableError(
                f"{what} timed out after {self._timeout:g}s "
                "(trueup keeps the last good revision and retries)"
            ) from None
        finally:
            await _kill(proc)
        if done.returncode != 0 and check:
            raise error_for(what, done.stderr)
        return done

    async def _communicate(
        self, proc: asyncio.subprocess.Process, stdin: bytes | None
    ) -> Completed:
        assert proc.stdout is not None
        assert proc.stderr is not None
        if stdin is not None:
            assert proc.stdin is not None
            proc.stdin.write(stdin)
            with contextlib.suppress(ConnectionError):
                await proc.stdin.drain()
            proc.stdin.close()
        stdout, stderr = await asyncio.gather(
            _read_capped(proc.stdout, MAX_STDOUT, keep_tail=False),
            _read_capped(proc.stderr, MAX_STDERR, keep_tail=True),
        )
        if stdout is None:
            raise SourceError("git produced more output than trueup accepts (too many refs?)")
        returncode = await proc.wait()
        text = self._redact((stderr or b"").decode("utf-8", "replace"))
        return Completed(returncode, stdout, text)


async def _read_capped(
    stream: asyncio.StreamReader, limit: int, *, keep_tail: bool
) -> bytes | None:
    """Read a stream to its end; past ``limit`` keep the tail, or give up (None)."""
    data = bytearray()
    while chunk := await stream.read(65536):
        data += chunk
        if len(data) > limit:
            if not keep_tail:
                return None
            del data[: len(data) - limit]
    return bytes(data)


async def _kill(proc: asyncio.subprocess.Process) -> None:
    """Kill the process group if it still runs, and reap the child."""
    if proc.returncode is None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)
    # Reaping must finish even if we are being cancelled, or a zombie is left behind.
    with contextlib.suppress(asyncio.CancelledError):
        await asyncio.shield(proc.wait())

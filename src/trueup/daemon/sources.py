"""Git sources polled once per interval, however many apps read them.

:class:`SharedSource` is the :class:`~trueup.source.Source` the daemon's engine fetches
through: it hands every app the revision its source's last poll found, so a hundred apps
on one repository cost one ``ls-remote`` per interval (and one fetch when it moved), not
a hundred. :class:`SourcePoller` runs one loop per GitSource: poll, tell the daemon when
the revision moved, wait for the interval (with jitter) or, after failures, for the
backoff, or for :meth:`SourcePoller.refresh` (a webhook) to wake it at once.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from trueup.config import GitSource, LoadedConfig
from trueup.daemon.backoff import Backoff, Random, jittered
from trueup.daemon.clock import Clock, sleep_or_until
from trueup.errors import ConfigError, SourceError, SourceUnavailableError
from trueup.objects import ObjectId
from trueup.source import Artifact, GitRepository, Source
from trueup.source.from_config import repository_for


def _key(repo: GitRepository) -> tuple[str, str]:
    return repo.url, repo.ref.model_dump_json()


class SharedSource:
    """A ``Source`` that serves the newest revision polled for each repository.

    Concurrent refreshes of one repository share one fetch, so apps that start together
    (or a poll and an app that never saw the repository) ask Git once.
    """

    def __init__(self, fetcher: Source) -> None:
        self._fetcher = fetcher
        self._latest: dict[tuple[str, str], Artifact] = {}
        self._fetching: dict[tuple[str, str], asyncio.Future[Artifact]] = {}

    async def fetch(self, repo: GitRepository) -> Artifact:
        """The last polled revision of ``repo``; fetched now if it was never polled."""
        latest = self._latest.get(_key(repo))
        return latest if latest is not None else await self.refresh(repo)

    async def refresh(self, repo: GitRepository) -> Artifact:
        """Ask Git for the current revision of ``repo`` now, and serve it from then on."""
        key = _key(repo)
        running = self._fetching.get(key)
        if running is None:
            running = asyncio.ensure_future(self._fetcher.fetch(repo))
            self._fetching[key] = running
            running.add_done_callback(lambda _: self._fetching.pop(key, None))
        # One caller giving up (cancelled) must not cancel the fetch the others wait for.
        artifact = await asyncio.shield(running)
        self._latest[key] = artifact
        return artifact


@dataclass(frozen=True, slots=True)
class Polled:
    """The outcome of one poll of a source."""

    source: ObjectId
    artifact: Artifact | None
    moved: bool
    """The revision differs from the previous poll's (also true for the first good poll)."""
    error: str = ""
    failures: int = 0
    """Failed polls in a row (0 after a good one)."""
    next_in: float = 0.0
    """Seconds until the next poll."""
    duration: float = 0.0


@dataclass(slots=True)
class _Watched:
    source: GitSource
    repo: GitRepository
    wake: asyncio.Event = field(default_factory=asyncio.Event)
    revision: str | None = None
    failures: int = 0
    task: asyncio.Task[None] | None = None


class SourcePoller:
    """One polling loop per GitSource; ``on_poll`` hears of every poll (see :class:`Polled`)."""

    def __init__(
        self,
        shared: SharedSource,
        on_poll: Callable[[Polled], None],
        *,
        clock: Clock,
        rand: Random,
        backoff: Backoff,
    ) -> None:
        self._shared = shared
        self._on_poll = on_poll
        self._clock, self._rand, self._backoff = clock, rand, backoff
        self._watched: dict[ObjectId, _Watched] = {}

    def watch(self, config: LoadedConfig, sources: Iterable[GitSource]) -> None:
        """Poll exactly ``sources`` from now on: start new ones, stop the others.

        A source whose spec changed is restarted (its next poll is immediate).
        """
        wanted = {source.id: source for source in sources}
        for sid in [sid for sid in self._watched if sid not in wanted]:
            self._stop(sid)
        for sid, source in wanted.items():
            current = self._watched.get(sid)
            if current is not None and current.source == source:
                continue
            if current is not None:
                self._stop(sid)
            try:
                repo = repository_for(source, config)
            except ConfigError:
                continue  # the loader reports it against the source and its apps
            watched = _Watched(source, repo)
            watched.task = asyncio.create_task(self._loop(watched), name=f"poll {sid}")
            self._watched[sid] = watched

    def refresh(self, source: ObjectId) -> bool:
        """Poll ``source`` at once (a webhook said it moved); False when it is not watched."""
        watched = self._watched.get(source)
        if watched is None:
            return False
        watched.wake.set()
        return True

    def revision(self, source: ObjectId) -> str | None:
        """The revision the last good poll of ``source`` found."""
        watched = self._watched.get(source)
        return watched.revision if watched else None

    async def stop(self) -> None:
        """Stop every loop and wait for them to end."""
        tasks = [w.task for w in self._watched.values() if w.task is not None]
        for sid in list(self._watched):
            self._stop(sid)
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task

    def _stop(self, sid: ObjectId) -> None:
        watched = self._watched.pop(sid)
        if watched.task is not None:
            watched.task.cancel()

    async def _loop(self, watched: _Watched) -> None:
        interval = watched.source.spec.interval.total_seconds()
        while True:
            watched.wake.clear()
            polled = await self._poll(watched, interval)
            self._on_poll(polled)
            await sleep_or_until(self._clock, polled.next_in, watched.wake)

    async def _poll(self, watched: _Watched, interval: float) -> Polled:
        began = self._clock.now()
        try:
            artifact = await self._shared.refresh(watched.repo)
        except (SourceError, SourceUnavailableError) as e:
            watched.failures += 1
            return Polled(
                watched.source.id,
                None,
                moved=False,
                error=f"{watched.source.id}: {e}",
                failures=watched.failures,
                next_in=self._backoff.delay(watched.failures, self._rand, interval=interval),
                duration=self._clock.now() - began,
            )
        moved = artifact.revision != watched.revision
        watched.revision, watched.failures = artifact.revision, 0
        return Polled(
            watched.source.id,
            artifact,
            moved=moved,
            next_in=jittered(interval, self._rand),
            duration=self._clock.now() - began,
        )

"""ImageRepositories scanned once per interval, their tags kept in the store.

:func:`scan_and_record` is one scan: read the tags (:func:`trueup.registry.scan_repository`)
and record them; a failed scan records its error and keeps the tags of the last good one,
so an outage never makes a policy see an empty repository. :class:`ImageScanner` runs one
loop per ImageRepository in the leading daemon: scan, tell the daemon, wait for the
interval (with jitter), after failures for the backoff, or for :meth:`ImageScanner.refresh`
(a registry notification) to wake it at once.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

import httpx

from trueup.config import LoadedConfig, format_duration
from trueup.config.image_policy import ImagePolicy
from trueup.config.image_repository import ImageRepository
from trueup.daemon.backoff import Backoff, Random, jittered
from trueup.daemon.clock import Clock
from trueup.daemon.loops import Loops
from trueup.errors import RegistryError, RegistryUnavailableError, TrueupError
from trueup.images import select_for
from trueup.registry import newest_tags, registry_access, scan_repository
from trueup.store import ImageScan, Store


@dataclass(frozen=True, slots=True)
class Scanned:
    """The outcome of one scan of an ImageRepository, as recorded."""

    repository: ImageRepository
    scan: ImageScan
    changed: bool
    """The tags differ from those recorded before (also true for a first good scan)."""
    temporary: bool = False
    """The scan failed in a way that may pass (registry unreachable, 5xx, timeout)."""
    failures: int = 0
    """Failed scans in a row (0 after a good one)."""
    next_in: float = 0.0
    """Seconds until the next scan."""
    duration: float = 0.0


async def scan_and_record(
    repo: ImageRepository,
    config: LoadedConfig,
    store: Store,
    *,
    digests_of: Iterable[str] = (),
    transport: httpx.AsyncBaseTransport | None = None,
) -> tuple[ImageScan, bool, bool]:
    """Scan ``repo`` now and record the result: ``(scan, changed, temporary)``.

    Never raises for the registry's faults: they become the recorded scan's ``error``. A
    store failure raises (``StoreError``, ``TemporaryError``).
    """
    previous = await store.image_scan(repo.key)
    now = datetime.now(UTC)
    temporary = False
    pinning = [p for p in policies_of(config, repo) if p.spec.digest]

    def selected(tags: Sequence[str]) -> list[str]:
        chosen = (select_for(policy.rules, tags).tag for policy in pinning)
        return [tag for tag in chosen if tag is not None]

    try:
        found = await scan_repository(
            repo,
            registry_access(config, repo),
            digests_of=digests_of,
            digests_for=selected if pinning else None,
            transport=transport,
        )
    except (RegistryError, RegistryUnavailableError) as e:
        temporary = isinstance(e, RegistryUnavailableError)
        kept = previous or ImageScan(repo.key, repo.spec.image, now)
        scan = ImageScan(
            repository=repo.key,
            image=repo.spec.image,
            scanned_at=now,
            tags=kept.tags if kept.image == repo.spec.image else (),
            digests=kept.digests if kept.image == repo.spec.image else {},
            tags_at=kept.tags_at if kept.image == repo.spec.image else None,
            error=str(e),
            malformed=kept.malformed,
            excluded=kept.excluded,
        )
        await store.record_image_scan(scan)
        return scan, False, temporary
    scan = ImageScan(
        repository=repo.key,
        image=repo.spec.image,
        scanned_at=now,
        tags=found.tags,
        digests=found.digests,
        tags_at=now,
        malformed=found.malformed,
        excluded=found.excluded,
    )
    await store.record_image_scan(scan)
    # A tag pushed again (same name, new image) changes only its digest: for a policy that
    # pins digests that is a change too, worth running the ImageUpdates at once.
    changed = (
        previous is None
        or previous.tags_at is None
        or previous.tags != scan.tags
        or dict(previous.digests) != dict(scan.digests)
    )
    return scan, changed, temporary


@dataclass(slots=True)
class _Watched:
    repository: ImageRepository
    config: LoadedConfig
    wake: asyncio.Event = field(default_factory=asyncio.Event)
    failures: int = 0
    task: asyncio.Task[None] | None = None


class ImageScanner:
    """One scanning loop per ImageRepository; ``on_scan`` hears of every scan."""

    def __init__(
        self,
        store: Store,
        on_scan: Callable[[Scanned], None],
        *,
        clock: Clock,
        rand: Random,
        backoff: Backoff,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._store, self._on_scan = store, on_scan
        self._clock, self._rand, self._backoff = clock, rand, backoff
        self._transport = transport
        self._loops: Loops[str, _Watched] = Loops(clock, self._run, "scan image")

    def watch(self, config: LoadedConfig, repositories: Iterable[ImageRepository]) -> None:
        """Scan exactly ``repositories`` from now on: start new ones, stop the others.

        A repository whose spec (or whose Secrets) changed is restarted: scanned at once.
        """
        wanted = {repo.key: repo for repo in repositories}
        self._loops.retain(wanted)
        for key, repo in wanted.items():
            current = self._loops.get(key)
            if current is not None and current.repository == repo:
                same_access = registry_access(current.config, repo) == registry_access(config, repo)
                if same_access:
                    current.config = config
                    continue
            if current is not None:
                self._loops.stop_one(key)
            self._loops.start(key, _Watched(repo, config))

    def refresh(self, key: str) -> bool:
        """Scan the repository ``key`` at once; False when it is not watched."""
        return self._loops.wake(key)

    def watching(self) -> list[str]:
        """The repositories scanned, by key."""
        return sorted(self._loops)

    async def stop(self) -> None:
        """Stop every loop and wait for them to end."""
        await self._loops.stop()

    async def _run(self, watched: _Watched) -> float:
        """Scan once and tell the daemon; the seconds until the next scan."""
        scanned = await self._scan(watched, watched.repository.spec.interval.total_seconds())
        self._on_scan(scanned)
        return scanned.next_in

    async def _scan(self, watched: _Watched, interval: float) -> Scanned:
        began = self._clock.now()
        repo = watched.repository
        try:
            scan, changed, temporary = await scan_and_record(
                repo, watched.config, self._store, transport=self._transport
            )
        except TrueupError as e:
            # The store failed: nothing was recorded; say so like a failed scan.
            watched.failures += 1
            now = datetime.now(UTC)
            failed = ImageScan(repo.key, repo.spec.image, now, error=f"recording failed: {e}")
            return Scanned(
                repo,
                failed,
                changed=False,
                temporary=True,
                failures=watched.failures,
                next_in=self._backoff.delay(watched.failures, self._rand, interval=interval),
                duration=self._clock.now() - began,
            )
        if scan.error:
            watched.failures += 1
            next_in = self._backoff.delay(watched.failures, self._rand, interval=interval)
        else:
            watched.failures = 0
            next_in = jittered(interval, self._rand)
        return Scanned(
            repo,
            scan,
            changed=changed,
            temporary=temporary,
            failures=watched.failures,
            next_in=next_in,
            duration=self._clock.now() - began,
        )


def policies_of(config: LoadedConfig, repo: ImageRepository) -> list[ImagePolicy]:
    """The ImagePolicies that choose among ``repo``'s tags, by name."""
    return sorted(
        (
            p
            for p in config.image_policies
            if p.spec.image_repository == repo.metadata.name and p.namespace == repo.namespace
        ),
        key=lambda p: p.metadata.name,
    )


@dataclass(frozen=True, slots=True)
class PolicyState:
    """What an ImagePolicy selects among the tags of its repository's last good scan."""

    policy: str
    """As markers name it: ``namespace:name``."""
    tag: str | None
    """The tag it selects; null when none qualifies (``reason`` says why)."""
    digest: str | None
    """The selected tag's digest, for a policy that pins digests, once it is known."""
    reason: str


@dataclass(frozen=True, slots=True)
class ImageState:
    """An ImageRepository as ``trueup images`` and ``GET /api/images`` show it."""

    repository: str
    """``name``, or ``namespace/name``."""
    image: str
    tags: int
    """How many tags the last good scan kept."""
    latest: tuple[str, ...]
    """Up to five tags, newest first (semantic versions first, then by name)."""
    last_scan: str | None
    """When it was last scanned (ISO 8601, UTC); null before its first scan."""
    tags_read_at: str | None
    """When the tags shown were read: the last good scan."""
    error: str
    """Why the last scan failed ('' when it did not)."""
    malformed: int
    excluded: int
    interval: str
    policies: tuple[PolicyState, ...] = ()
    """The ImagePolicies of this repository and what each selects."""


def policy_states(
    config: LoadedConfig, repo: ImageRepository, scan: ImageScan | None
) -> tuple[PolicyState, ...]:
    """What each ImagePolicy of ``repo`` selects among the tags ``scan`` kept."""
    states = []
    for policy in policies_of(config, repo):
        if scan is None or scan.tags_at is None:
            states.append(PolicyState(str(policy.marker_name), None, None, "not scanned yet"))
            continue
        chosen = select_for(policy.rules, scan.tags, scan.digests.get)
        states.append(
            PolicyState(str(policy.marker_name), chosen.tag, chosen.digest, chosen.reason)
        )
    return tuple(states)


def image_states(
    config: LoadedConfig,
    repositories: Iterable[ImageRepository],
    scans: Mapping[str, ImageScan],
) -> list[ImageState]:
    """One row per repository of ``repositories``, with what its last scan recorded and
    what its ImagePolicies select, by key."""
    rows = []
    for repo in sorted(repositories, key=lambda r: r.key):
        scan = scans.get(repo.key)
        if scan is not None and scan.image != repo.spec.image:
            scan = None  # scanned under another image: not this repository's tags
        rows.append(
            ImageState(
                repository=repo.key,
                image=repo.spec.image,
                tags=len(scan.tags) if scan else 0,
                latest=newest_tags(scan.tags) if scan else (),
                last_scan=scan.scanned_at.isoformat(timespec="seconds") if scan else None,
                tags_read_at=(
                    scan.tags_at.isoformat(timespec="seconds")
                    if scan is not None and scan.tags_at is not None
                    else None
                ),
                error=scan.error if scan else "",
                malformed=scan.malformed if scan else 0,
                excluded=scan.excluded if scan else 0,
                interval=format_duration(repo.spec.interval),
                policies=policy_states(config, repo, scan),
            )
        )
    return rows

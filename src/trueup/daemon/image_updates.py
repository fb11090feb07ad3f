"""ImageUpdates run by the leading daemon: on their interval, and at once after a scan.

:class:`ImageUpdater` keeps one loop per ImageUpdate: run it
(:func:`trueup.imageupdate.run_update`), report what it did as events, wait for the
interval (with jitter; after failures, for the backoff), or for
:meth:`ImageUpdater.nudge`, which the daemon calls when a scan changed an image's tags.
A commit pushed to the branch the source follows makes the daemon poll that source at
once (``refresh``), so the new images are deployed like any other commit.

Events: ``image.updated`` for each branch a commit was pushed to (old → new per image, the
commit, the pull request), ``image.update-failed`` when a run fails (or, with one update
branch per policy, for each branch that failed while the others were written), and
``image.markers-skipped`` when the markers left alone (an unknown policy, a malformed
marker, files a pending rollback revert holds) differ from the last run's.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from trueup.config import LoadedConfig
from trueup.config.image_update import ImageUpdate
from trueup.daemon.backoff import Backoff, Random, jittered
from trueup.daemon.clock import Clock
from trueup.daemon.events import Event, Kind, Level
from trueup.daemon.loops import Loops
from trueup.errors import TemporaryError, TrueupError
from trueup.images import ProblemKind
from trueup.imageupdate import UpdateResult, run_update, source_of
from trueup.objects import ObjectId
from trueup.store import Store, Trigger
from trueup.words import counted

IMAGE_UPDATE = str(Trigger.daemon("image-update"))
"""The trigger of the poll that follows a commit an ImageUpdate pushed."""

_QUIET = frozenset({ProblemKind.NO_SELECTION})
"""Problems that only say a policy has selected nothing yet: not reported as events."""


@dataclass(slots=True)
class _Watched:
    update: ImageUpdate
    config: LoadedConfig
    wake: asyncio.Event = field(default_factory=asyncio.Event)
    failures: int = 0
    skipped: frozenset[str] = frozenset()
    task: asyncio.Task[None] | None = None


class ImageUpdater:
    """One loop per ImageUpdate; events go to ``publish``, pushes to ``refresh``."""

    def __init__(
        self,
        store: Store,
        publish: Callable[[Event], None],
        refresh: Callable[[ObjectId, str], bool],
        *,
        clock: Clock,
        rand: Random,
        backoff: Backoff,
    ) -> None:
        self._store, self._publish, self._refresh = store, publish, refresh
        self._clock, self._rand, self._backoff = clock, rand, backoff
        self._loops: Loops[ObjectId, _Watched] = Loops(clock, self.run_once, "image update")

    def watch(self, config: LoadedConfig, updates: Iterable[ImageUpdate]) -> None:
        """Run exactly ``updates`` from now on; a changed configuration runs each at once."""
        wanted = {update.id: update for update in updates}
        self._loops.retain(wanted)
        for key, update in wanted.items():
            current = self._loops.get(key)
            if current is not None:
                current.update, current.config = update, config
                current.wake.set()
                continue
            self._loops.start(key, _Watched(update, config))

    def nudge(self) -> None:
        """Run every ImageUpdate soon: an image's tags changed."""
        self._loops.wake_all()

    async def stop(self) -> None:
        """Stop every loop and wait for them to end."""
        await self._loops.stop()

    async def run_once(self, watched: _Watched) -> float:
        """Run the ImageUpdate once and report it; the seconds until its next run."""
        update, config = watched.update, watched.config
        interval = update.spec.interval.total_seconds()
        try:
            result = await run_update(update, config, self._store)
        except TrueupError as e:
            watched.failures += 1
            next_in = self._backoff.delay(watched.failures, self._rand, interval=interval)
            temporary = isinstance(e, TemporaryError)
            self._publish(
                Event(
                    Kind.IMAGE_UPDATE_FAILED,
                    f"{update.id}: {e}; next try in {next_in:.0f}s",
                    level=Level.WARNING if temporary else Level.ERROR,
                    objects=(str(update.id),),
                    fields={
                        "update": str(update.id),
                        "error_class": type(e).__name__,
                        "failures": watched.failures,
                        "temporary": temporary,
                    },
                )
            )
            return next_in
        self._report(watched, result)
        if any(b.pushed for b in result.branches):
            followed = source_of(update, config).spec.ref.branch
            if any(b.pushed and b.branch == followed for b in result.branches):
                self._refresh(source_of(update, config).id, IMAGE_UPDATE)
        if result.failed:
            watched.failures += 1
            next_in = self._backoff.delay(watched.failures, self._rand, interval=interval)
            for branch in result.failed:
                self._publish(
                    Event(
                        Kind.IMAGE_UPDATE_FAILED,
                        f"{update.id}: branch {branch.branch}: {branch.error}; "
                        f"next try in {next_in:.0f}s",
                        level=Level.WARNING if branch.temporary else Level.ERROR,
                        objects=(str(update.id),),
                        fields={
                            "update": str(update.id),
                            "branch": branch.branch,
                            "error_class": branch.error_class,
                            "failures": watched.failures,
                            "temporary": branch.temporary,
                        },
                    )
                )
            return next_in
        watched.failures = 0
        return jittered(interval, self._rand)

    def _report(self, watched: _Watched, result: UpdateResult) -> None:
        for branch in result.branches:
            if not branch.pushed and branch.pull_action not in ("created", "updated"):
                continue
            images = sorted({f"{c.old} → {c.new}" for c in branch.changes})
            where = branch.pull_url or branch.pull_number
            pull = f"; pull request {where} {branch.pull_action}"
            if branch.pull_action == "declined":
                pull = f"; pull request {where} was closed without a merge: not opened again"
            self._publish(
                Event(
                    Kind.IMAGE_UPDATED,
                    f"{result.update}: {'pushed' if branch.pushed else 'branch at'} "
                    f"{branch.commit} on branch {branch.branch}: {'; '.join(images)}"
                    + (pull if branch.pull_action else ""),
                    objects=(result.update,),
                    fields={
                        "update": result.update,
                        "source": result.source,
                        "branch": branch.branch,
                        "commit": branch.commit,
                        "images": ", ".join(images),
                        "fields": len(branch.changes),
                        "pushed": branch.pushed,
                        "pull_request": branch.pull_url or None,
                        "pull_action": branch.pull_action or None,
                    },
                )
            )
        skipped = [str(p) for p in result.problems if p.kind not in _QUIET]
        skipped += [
            f"{file}: left alone: a pending rollback revert holds it" for file in result.held
        ]
        now = frozenset(skipped)
        if now and now != watched.skipped:
            self._publish(
                Event(
                    Kind.IMAGE_MARKERS_SKIPPED,
                    f"{result.update}: {counted(len(now), 'marker or file')} left alone: "
                    + "; ".join(sorted(now)),
                    level=Level.WARNING,
                    objects=(result.update,),
                    fields={"update": result.update, "skipped": len(skipped)},
                )
            )
        watched.skipped = now

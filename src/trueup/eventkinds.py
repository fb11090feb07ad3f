"""The kinds of event trueup reports and their severities: one list for the daemon that
publishes them, the store that keeps them and the Alerts that select them."""

from __future__ import annotations

from enum import StrEnum


class EventKind(StrEnum):
    """What an event reports: its reason, such as ``app.drifted``."""

    STARTED = "daemon.started"
    LISTENING = "daemon.listening"
    WAITING = "daemon.waiting"
    """Another process leads; this one waits to take over."""
    LEADING = "daemon.leading"
    LOST = "daemon.lost"
    """The leadership was lost: the daemon stops writing and exits."""
    STOPPING = "daemon.stopping"
    STOPPED = "daemon.stopped"
    SOURCE_MOVED = "source.moved"
    SOURCE_FAILED = "source.failed"
    RECONCILED = "reconcile.succeeded"
    RECONCILE_FAILED = "reconcile.failed"
    RENDER_WARNING = "render.warning"
    SKIPPED = "reconcile.skipped"
    OUT_OF_SYNC = "app.outofsync"
    DRIFTED = "app.drifted"
    REVERTED = "app.reverted"
    """selfHeal put drifted objects back as Git declares them."""
    FIGHT = "app.drift-fight"
    HEALTH = "app.health"
    """The health changed, neither to degraded nor back from it (progressing, say)."""
    DEGRADED = "app.degraded"
    RECOVERED = "app.recovered"
    """Healthy again after being degraded."""
    WATCH_FAILED = "watch.failed"
    SUSPENDED = "app.suspended"
    RESUMED = "app.resumed"
    ROLLED_BACK = "app.rolledback"
    """The app was put back to an earlier revision (``trueup rollback``); field ``mode``:
    ``pin`` (pinned there until resumed) or ``revert`` (a revert commit pushed to Git)."""
    HOOK = "webhook.received"
    CONFIG_LOADED = "config.loaded"
    CONFIG_REFUSED = "config.refused"
    EVENTS_FAILED = "events.failed"
    """Recording or pruning events in the store failed."""
    EVENTS_RECORDED = "events.recorded"
    """Recording events works again after a failure."""
    NOTIFICATION_DROPPED = "notification.dropped"
    """A notification was given up on (its Provider kept failing, or its queue was full)."""
    IMAGE_SCANNED = "image.scanned"
    """An ImageRepository's tags were read (the first scan, or the tags changed)."""
    IMAGE_SCAN_FAILED = "image.scan-failed"
    """Reading an ImageRepository's tags failed; the tags of the last good scan stay."""
    IMAGE_UPDATED = "image.updated"
    """An ImageUpdate pushed a commit changing images (old → new), or updated its pull request."""
    IMAGE_UPDATE_FAILED = "image.update-failed"
    """An ImageUpdate could not write its images to Git (or open its pull request)."""
    IMAGE_MARKERS_SKIPPED = "image.markers-skipped"
    """Markers left alone: naming an unknown policy, or in files a pending revert holds."""


class Severity(StrEnum):
    """How much an event matters to whoever reads it."""

    INFO = "info"
    WARNING = "warning"
    ERROR = "error"

    @property
    def rank(self) -> int:
        """0 for info, 1 for warning, 2 for error: compare severities with it."""
        return list(Severity).index(self)

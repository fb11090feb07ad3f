"""The daemon's Prometheus metrics, on a registry of its own (served at ``/metrics``)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

_DURATIONS = (0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300)

CONTENT_TYPE = CONTENT_TYPE_LATEST
"""The content type of :meth:`Metrics.render`."""


class Metrics:
    """Every metric the daemon keeps; one instance per daemon."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.reconcile_duration = Histogram(
            "trueup_reconcile_duration_seconds",
            "How long reconciles took, by app.",
            ["app"],
            registry=r,
            buckets=_DURATIONS,
        )
        self.reconciles = Counter(
            "trueup_reconciles",
            "Reconciles by app and result (succeeded, failed, skipped, compared).",
            ["app", "result"],
            registry=r,
        )
        self.queue_depth = Gauge(
            "trueup_queue_depth", "Apps waiting in the work queue (due or not).", registry=r
        )
        self.workers_busy = Gauge("trueup_workers_busy", "Workers reconciling now.", registry=r)
        self.source_fetch_duration = Histogram(
            "trueup_source_fetch_duration_seconds",
            "How long polls of Git sources took, by source.",
            ["source"],
            registry=r,
            buckets=_DURATIONS,
        )
        self.source_failures = Counter(
            "trueup_source_failures",
            "Failed polls of Git sources, by source.",
            ["source"],
            registry=r,
        )
        self.source_backoff = Gauge(
            "trueup_source_backoff_seconds",
            "Seconds until the next poll of a failing source (0 when it is healthy).",
            ["source"],
            registry=r,
        )
        self.drift_events = Counter(
            "trueup_drift_events", "Drift found on managed objects, by app.", ["app"], registry=r
        )
        self.kubernetes_requests = Counter(
            "trueup_kubernetes_requests",
            "Requests answered by Kubernetes API servers, by method and status code.",
            ["method", "code"],
            registry=r,
        )
        self.webhook_requests = Counter(
            "trueup_webhook_requests",
            "Webhook requests by receiver and result (accepted, ignored, 400, 401, 404, 413).",
            ["receiver", "result"],
            registry=r,
        )

        self.notifications = Counter(
            "trueup_notifications",
            "Notifications by provider and result (sent; failed: given up on; deduplicated: "
            "a repeated reconcile.succeeded, not sent).",
            ["provider", "result"],
            registry=r,
        )

    def render(self) -> bytes:
        """Every metric in the Prometheus text format."""
        return generate_latest(self.registry)

    def count_response(self, method: str, code: int) -> None:
        """Count one answer of a Kubernetes API server."""
        self.kubernetes_requests.labels(method, str(code)).inc()

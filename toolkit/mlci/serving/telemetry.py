"""`GET /metrics`: what the server did, in Prometheus' text format (prometheus_client).

Requests by route template and status, a latency histogram, rows scored, predicted classes,
an info gauge naming the model version being served, model swaps and dropped log rows.
Each app has its own registry, so several apps in one process never mix their numbers.
Under `--workers N` every worker records into prometheus_client's multiprocess directory
(PROMETHEUS_MULTIPROC_DIR, set by the parent before the workers start) and `/metrics`, in
whichever worker answers, reports the sum over all of them: one server, one set of numbers.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector

# latency buckets (seconds) for a fast model: sub-millisecond to a few seconds
BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


class Telemetry:
    """The server's Prometheus metrics (one registry per app); `shared` is the multiprocess
    directory of a `--workers` server, whose metrics are summed over its workers."""

    def __init__(self, shared: Path | None = None) -> None:
        self.shared = shared
        self.registry = CollectorRegistry()
        self.requests = Counter("mlci_requests", "HTTP requests by route, method and status",
                                ["route", "method", "status"], registry=self.registry)
        self.latency = Histogram("mlci_request_duration_seconds", "Request latency by route",
                                 ["route"], buckets=BUCKETS, registry=self.registry)
        self.rows = Counter("mlci_rows_scored", "Rows scored by the model",
                            registry=self.registry)
        self.classes = Counter("mlci_predictions", "Predicted labels by class",
                               ["label"], registry=self.registry)
        # every worker serves the same version: across workers the gauge is their maximum
        self.model = Gauge("mlci_model_info", "The model version being served (value 1)",
                           ["name", "version", "commit"], registry=self.registry,
                           multiprocess_mode="max")
        self.swaps = Counter("mlci_model_swaps", "Model version changes under --follow, by "
                             "outcome", ["outcome"], registry=self.registry)
        self.dropped = Counter("mlci_prediction_log_dropped_rows", "Prediction log rows "
                               "dropped because the log queue was full", registry=self.registry)
        self._served: tuple[str, str, str] | None = None

    def serving(self, name: str, version: str, commit: str) -> None:
        """Point the info gauge at the version now served (the previous one is removed)."""
        if self._served is not None:
            self.model.remove(*self._served)
        self._served = (name, version, commit)
        self.model.labels(name, version, commit).set(1)

    def observe(self, route: str, method: str, status: int, seconds: float) -> None:
        self.requests.labels(route, method, str(status)).inc()
        self.latency.labels(route).observe(seconds)

    def scored(self, labels: Any) -> None:
        """Count rows and predicted classes (a handful of distinct labels per batch)."""
        self.rows.inc(len(labels))
        if len(labels) == 1:
            self.classes.labels(str(labels[0])).inc()
            return
        values, counts = np.unique(np.asarray(labels).astype(str), return_counts=True)
        for value, count in zip(values.tolist(), counts.tolist(), strict=True):
            self.classes.labels(value).inc(count)

    def text(self) -> bytes:
        if self.shared is None:
            return bytes(generate_latest(self.registry))

        combined = CollectorRegistry()
        MultiProcessCollector(combined, path=str(self.shared))  # type: ignore[no-untyped-call]
        return bytes(generate_latest(combined))

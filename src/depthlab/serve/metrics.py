"""Prometheus metrics of one server process: requests by endpoint and status, errors, examples
predicted and a latency histogram, in the text exposition format (``prometheus_client``).

Each process keeps its own registry: with ``--workers N`` a scrape reaches one worker, so scrape
each or run one worker per container (prometheus_client's multiprocess mode needs a shared
folder and is left out on purpose).
"""

from __future__ import annotations

from typing import Any

# Seconds; a small network answers in well under 10 ms, so the low buckets are fine-grained.
BUCKETS = (0.001, 0.0025, 0.005, 0.0075, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)


class Metrics:
    def __init__(self) -> None:
        from prometheus_client import CollectorRegistry, Counter, Histogram

        self.registry = CollectorRegistry()
        self.requests = Counter(
            "depthlab_requests",
            "HTTP requests answered, by endpoint and status code.",
            ["endpoint", "status"],
            registry=self.registry,
        )
        self.errors = Counter(
            "depthlab_request_errors",
            "HTTP requests answered with a 4xx or 5xx status, by endpoint.",
            ["endpoint"],
            registry=self.registry,
        )
        self.examples = Counter(
            "depthlab_predicted_examples", "Examples predicted.", registry=self.registry
        )
        self.latency = Histogram(
            "depthlab_request_duration_seconds",
            "Time from a request's arrival to its response, by endpoint.",
            ["endpoint"],
            buckets=BUCKETS,
            registry=self.registry,
        )

    def observe(self, endpoint: str, status: int, seconds: float) -> None:
        self.requests.labels(endpoint, str(status)).inc()
        if status >= 400:
            self.errors.labels(endpoint).inc()
        self.latency.labels(endpoint).observe(seconds)

    def render(self) -> tuple[bytes, str]:
        from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

        return generate_latest(self.registry), str(CONTENT_TYPE_LATEST)


def endpoint_of(scope: dict[str, Any], known: set[str]) -> str:
    """The path when it is one of the app's routes, else ``other`` (unbounded label values would
    let a scanner grow the registry)."""
    path = str(scope.get("path", ""))
    return path if path in known else "other"

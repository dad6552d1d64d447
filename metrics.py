"""Prometheus metrics, served at /metrics."""

from __future__ import annotations

from prometheus_client import CONTENT_TYPE_LATEST, Counter, Histogram, generate_latest
from starlette.requests import Request
from starlette.responses import Response

HTTP_REQUESTS = Counter(
    "canopy_http_requests_total", "HTTP requests by path and status", ["method", "path", "status"]
)
HTTP_LATENCY = Histogram(
    "canopy_http_request_seconds", "HTTP request duration", ["method", "path"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
)


def observe(method: str, path: str, status: int, seconds: float) -> None:
    # Only known routes as labels: arbitrary paths would explode the series count.
    label = path if path in {"/graphql", "/healthz", "/metrics"} or path.startswith("/bots/") else "other"
    HTTP_REQUESTS.labels(method, label, str(status)).inc()
    HTTP_LATENCY.labels(method, label).observe(seconds)


async def metrics_endpoint(_request: Request) -> Response:
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

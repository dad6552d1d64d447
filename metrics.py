"""Prometheus metrics, served at /metrics to a bearer of CANOPY_METRICS_TOKEN (else loopback only)."""

from __future__ import annotations

import hmac
import ipaddress
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, Counter, Histogram, generate_latest
from starlette.requests import Request
from starlette.responses import Response

HTTP_REQUESTS = Counter(
    "canopy_http_requests_total", "HTTP requests by route and status", ["method", "path", "status"]
)
HTTP_LATENCY = Histogram(
    "canopy_http_request_seconds", "HTTP request duration", ["method", "path"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
)
METHODS = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"})
UNMATCHED = "unmatched"


def route_label(scope: dict[str, Any]) -> str:
    """The route template the router matched (`/bots/telegram/{secret}`), never the raw path:
    the series count stays fixed whatever paths clients send."""
    route = scope.get("route")
    return getattr(route, "path", None) or UNMATCHED


def observe(scope: dict[str, Any], status: int, seconds: float) -> None:
    method = scope["method"] if scope["method"] in METHODS else "OTHER"
    label = route_label(scope)
    HTTP_REQUESTS.labels(method, label, str(status)).inc()
    HTTP_LATENCY.labels(method, label).observe(seconds)


def _loopback(request: Request) -> bool:
    try:
        return request.client is not None and ipaddress.ip_address(request.client.host).is_loopback
    except ValueError:
        return False


async def metrics_endpoint(request: Request) -> Response:
    """With CANOPY_METRICS_TOKEN: that bearer token only; without: loopback peers only.
    Anyone else gets 404, as for a path that does not exist."""
    expected = request.app.state.canopy.settings.metrics_token
    if expected:
        scheme, _, given = request.headers.get("authorization", "").partition(" ")
        allowed = scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), expected.encode())
    else:
        allowed = _loopback(request)
    if not allowed:
        return Response("Not Found", status_code=404, media_type="text/plain")
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

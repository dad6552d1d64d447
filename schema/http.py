"""HTTP guards in front of GraphQL: request body size and per-caller rate limiting.

Both are pure ASGI middleware so that a refused request costs no parsing: 413 for
a body over `max_body_bytes`, 429 (code RATE_LIMITED, Retry-After) once a caller
is over one of its windows. A caller is the staff member behind a valid token
(verified once, then cached), else the peer address (uvicorn's proxy middleware
rewrites it from X-Forwarded-For only for CANOPY_TRUSTED_PROXIES).
"""

from __future__ import annotations

import hashlib
import logging
import math
import time
from collections import OrderedDict
from typing import Any

import orjson
from limits import RateLimitItem, RateLimitItemPerMinute, RateLimitItemPerSecond
from limits.aio.storage import MemoryStorage, RedisStorage
from limits.aio.strategies import MovingWindowRateLimiter
from limits.errors import StorageError

from config import Settings
from db.session import Database
from resolvers.core.auth import viewer_for_token

log = logging.getLogger("canopy.http")

Scope = dict[str, Any]


def _error_body(message: str, code: str, **extra: Any) -> bytes:
    return orjson.dumps({"errors": [{"message": message, "extensions": {"code": code, **extra}}]})


async def _send_json(send: Any, status: int, body: bytes, headers: list[tuple[bytes, bytes]] = ()) -> None:  # type: ignore[assignment]
    await send({
        "type": "http.response.start", "status": status,
        "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()), *headers],
    })
    await send({"type": "http.response.body", "body": body})


class _TooLarge(Exception):
    pass


class BodySizeLimit:
    """Refuses bodies over the limit, by Content-Length up front or while streaming."""

    def __init__(self, app: Any, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        body = _error_body(f"request body larger than {self.max_bytes} bytes", "PAYLOAD_TOO_LARGE")
        length = dict(scope["headers"]).get(b"content-length")
        if length is not None and length.isdigit() and int(length) > self.max_bytes:
            await _send_json(send, 413, body)
            return
        seen = 0
        started = False

        async def counted_receive() -> Any:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    raise _TooLarge
            return message

        async def tracked_send(message: Any) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted_receive, tracked_send)
        except _TooLarge:
            if not started:
                await _send_json(send, 413, body)


class RateLimiter:
    """Moving windows per caller key (the `limits` package): `rate_limit_burst` per second
    and `rate_limit_per_minute` per minute. With a Redis URL the windows live in Redis
    under CANOPY_REDIS_PREFIX, shared by every process; in memory otherwise, and while
    Redis fails (an unreachable Redis must not take the API down)."""

    def __init__(self, settings: Settings) -> None:
        self.items: tuple[RateLimitItem, ...] = (
            RateLimitItemPerSecond(settings.rate_limit_burst),
            RateLimitItemPerMinute(settings.rate_limit_per_minute),
        )
        self.memory = MovingWindowRateLimiter(MemoryStorage())
        self.shared: MovingWindowRateLimiter | None = None
        if settings.redis_url:
            storage = RedisStorage(
                f"async+{settings.redis_url}", implementation="redispy", wrap_exceptions=True,
                key_prefix=f"{settings.redis_channel_prefix}:rate",
            )
            self.shared = MovingWindowRateLimiter(storage)

    async def acquire(self, key: str) -> float:
        """0 when a request may proceed, else the seconds until it may."""
        if self.shared is not None:
            try:
                return await self._acquire(self.shared, key)
            except (StorageError, OSError):
                log.warning("rate limiter: Redis unavailable, limiting in memory", exc_info=True)
        return await self._acquire(self.memory, key)

    async def _acquire(self, limiter: MovingWindowRateLimiter, key: str) -> float:
        for item in self.items:
            if not await limiter.hit(item, key):
                stats = await limiter.get_window_stats(item, key)
                return max(1.0, stats.reset_time - time.time())
        return 0.0


def bearer(value: str | None) -> str | None:
    """The token of an `Authorization: Bearer <token>` value."""
    if not value:
        return None
    scheme, _, token = value.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def peer_key(scope: Scope) -> str:
    client = scope.get("client")
    return f"ip:{client[0] if client else 'unknown'}"


class Callers:
    """Token -> staff key, for valid tokens only, cached `ttl` seconds (LRU, bounded).

    Keys never hold a secret: the cache is keyed by the token's hash. A revoked token
    may keep its staff key until the entry expires; that only decides whose window it
    counts against (authentication checks the token on every request)."""

    def __init__(self, db: Database, ttl: float = 60.0, size: int = 10_000) -> None:
        self.db = db
        self.ttl = ttl
        self.size = size
        self.known: OrderedDict[str, tuple[float, str]] = OrderedDict()

    def cached(self, token: str) -> str | None:
        digest = hashlib.sha256(token.encode()).hexdigest()
        hit = self.known.get(digest)
        if hit is None or hit[0] < time.monotonic():
            return None
        return hit[1]

    async def verify(self, token: str) -> str | None:
        try:
            async with self.db.session() as session:
                viewer = await viewer_for_token(session, token)
        except Exception:  # noqa: BLE001 - authentication answers it; the limit keys on the peer
            log.warning("rate limiter: token lookup failed", exc_info=True)
            return None
        if viewer is None:
            return None
        key = staff_key(viewer.tenant_id, viewer.staff_id)
        digest = hashlib.sha256(token.encode()).hexdigest()
        self.known[digest] = (time.monotonic() + self.ttl, key)
        self.known.move_to_end(digest)
        while len(self.known) > self.size:
            self.known.popitem(last=False)
        return key


def staff_key(tenant_id: int, staff_id: int) -> str:
    return f"staff:{tenant_id}:{staff_id}"


def rate_limited_body(wait: float) -> tuple[int, bytes]:
    retry = max(1, math.ceil(wait))
    return retry, _error_body("rate limit exceeded: slow down", "RATE_LIMITED", retryAfter=retry)


class RateLimit:
    """429 with Retry-After once the caller is over a window (only for the paths given).

    A request whose token is not known valid counts against its peer address first,
    so random tokens cost a lookup only while the address is under its limit; a
    valid token then counts against its staff member, from any address."""

    def __init__(self, app: Any, limiter: RateLimiter, callers: Callers, paths: frozenset[str]) -> None:
        self.app = app
        self.limiter = limiter
        self.callers = callers
        self.paths = paths

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["path"] in self.paths:
            wait = await self.wait(scope)
            if wait > 0:
                retry, body = rate_limited_body(wait)
                await _send_json(send, 429, body, [(b"retry-after", str(retry).encode())])
                return
        await self.app(scope, receive, send)

    async def wait(self, scope: Scope) -> float:
        token = bearer(dict(scope["headers"]).get(b"authorization", b"").decode("latin-1"))
        key = self.callers.cached(token) if token else None
        if key is None:
            wait = await self.limiter.acquire(peer_key(scope))
            if wait > 0 or not token:
                return wait
            key = await self.callers.verify(token)
            if key is None:
                return 0.0
        return await self.limiter.acquire(key)

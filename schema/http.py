"""HTTP guards in front of GraphQL: request body size and per-token rate limiting.

Both are pure ASGI middleware so that a refused request costs no parsing and no
SQL: 413 for a body over `max_body_bytes`, 429 (code RATE_LIMITED, Retry-After)
once a caller's token bucket is empty.
"""

from __future__ import annotations

import hashlib
import logging
import math
import time
from collections import OrderedDict
from typing import Any, Protocol

import orjson

from config import Settings

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


class Limiter(Protocol):
    async def acquire(self, key: str) -> float:
        """0 when a request may proceed, else the seconds until it may."""


class MemoryTokenBucket:
    """Token bucket per key in this process: `burst` requests at once, `per_minute` sustained."""

    def __init__(self, per_minute: int, burst: int, max_keys: int = 100_000) -> None:
        self.rate = per_minute / 60.0
        self.burst = float(burst)
        self.max_keys = max_keys
        self.buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()

    async def acquire(self, key: str) -> float:
        now = time.monotonic()
        tokens, stamp = self.buckets.pop(key, (self.burst, now))
        tokens = min(self.burst, tokens + (now - stamp) * self.rate)
        wait = 0.0
        if tokens >= 1:
            tokens -= 1
        else:
            wait = (1 - tokens) / self.rate if self.rate > 0 else 60.0
        self.buckets[key] = (tokens, now)
        while len(self.buckets) > self.max_keys:  # bounded memory: forget the idlest keys
            self.buckets.popitem(last=False)
        return wait


_REDIS_BUCKET = """
local now = tonumber(ARGV[3])
local state = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local rate, burst = tonumber(ARGV[1]), tonumber(ARGV[2])
local tokens = math.min(burst, (tonumber(state[1]) or burst) + (now - (tonumber(state[2]) or now)) * rate)
local wait = 0
if tokens >= 1 then tokens = tokens - 1 else wait = (1 - tokens) / rate end
redis.call('HSET', KEYS[1], 'tokens', tokens, 'ts', now)
redis.call('EXPIRE', KEYS[1], math.ceil(burst / rate) + 1)
return tostring(wait)
"""


class RedisTokenBucket:
    """The same bucket shared by every process through Redis; falls back to memory if Redis fails."""

    def __init__(self, url: str, per_minute: int, burst: int) -> None:
        import redis.asyncio as redis

        self.client = redis.from_url(url)
        self.script = self.client.register_script(_REDIS_BUCKET)
        self.args = (per_minute / 60.0, burst)
        self.fallback = MemoryTokenBucket(per_minute, burst)

    async def acquire(self, key: str) -> float:
        try:
            wait = await self.script(keys=[f"canopy:rate:{key}"], args=[*self.args, time.time()])
            return float(wait)
        except Exception:  # noqa: BLE001 - an unreachable Redis must not take the API down
            log.warning("rate limiter: Redis unavailable, limiting in memory", exc_info=True)
            return await self.fallback.acquire(key)


def make_limiter(settings: Settings) -> Limiter:
    if settings.redis_url:
        return RedisTokenBucket(settings.redis_url, settings.rate_limit_per_minute, settings.rate_limit_burst)
    return MemoryTokenBucket(settings.rate_limit_per_minute, settings.rate_limit_burst)


def caller_key(scope: Scope) -> str:
    """The bearer token (hashed: keys must not hold secrets), else the client address."""
    auth = dict(scope["headers"]).get(b"authorization", b"")
    scheme, _, token = auth.decode("latin-1").partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return "t:" + hashlib.sha256(token.strip().encode()).hexdigest()[:32]
    client = scope.get("client")
    return f"ip:{client[0] if client else 'unknown'}"


class RateLimit:
    """429 with Retry-After once the caller's bucket is empty (only for the paths given)."""

    def __init__(self, app: Any, limiter: Limiter, paths: frozenset[str]) -> None:
        self.app = app
        self.limiter = limiter
        self.paths = paths

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["path"] in self.paths:
            wait = await self.limiter.acquire(caller_key(scope))
            if wait > 0:
                retry = max(1, math.ceil(wait))
                body = _error_body("rate limit exceeded: slow down", "RATE_LIMITED", retryAfter=retry)
                await _send_json(send, 429, body, [(b"retry-after", str(retry).encode())])
                return
        await self.app(scope, receive, send)

"""The store of automatic persisted queries: sha256 -> document, bounded, LRU.

In memory per process by default; with CANOPY_REDIS_URL in Redis under
`<CANOPY_REDIS_PREFIX>:apq:*`, shared by every process: one key per document plus a
sorted set of hashes by last use, trimmed to `apq_max_entries` on each store (the
least recently used go). While Redis fails the process falls back to its own memory
store: a miss only costs the client one resend of its document.
"""

from __future__ import annotations

import logging
import time
from collections import OrderedDict

from redis.asyncio import Redis
from redis.exceptions import RedisError

from config import Settings

log = logging.getLogger("canopy.http")

# A document unused this long leaves Redis even if the sorted set was never trimmed
# (e.g. a process died between the two writes of a store).
REDIS_TTL_SECONDS = 30 * 24 * 3600


class MemoryStore:
    def __init__(self, max_entries: int) -> None:
        self.max_entries = max_entries
        self.documents: OrderedDict[str, str] = OrderedDict()

    async def get(self, digest: str) -> str | None:
        document = self.documents.get(digest)
        if document is not None:
            self.documents.move_to_end(digest)
        return document

    async def put(self, digest: str, document: str) -> None:
        self.documents[digest] = document
        self.documents.move_to_end(digest)
        while len(self.documents) > self.max_entries:
            self.documents.popitem(last=False)

    async def close(self) -> None:
        self.documents.clear()


class RedisStore:
    def __init__(self, url: str, prefix: str, max_entries: int) -> None:
        self.redis = Redis.from_url(url)
        self.index = f"{prefix}:apq"
        self.prefix = f"{prefix}:apq:"
        self.max_entries = max_entries
        self.fallback = MemoryStore(max_entries)

    async def get(self, digest: str) -> str | None:
        try:
            async with self.redis.pipeline(transaction=False) as pipe:
                pipe.getex(self.prefix + digest, ex=REDIS_TTL_SECONDS)
                pipe.zadd(self.index, {digest: time.time()}, xx=True)
                document, _ = await pipe.execute()
        except (RedisError, OSError):
            log.warning("persisted queries: Redis unavailable, using this process's memory", exc_info=True)
            return await self.fallback.get(digest)
        return document.decode() if document is not None else None

    async def put(self, digest: str, document: str) -> None:
        try:
            async with self.redis.pipeline(transaction=True) as pipe:
                pipe.set(self.prefix + digest, document.encode(), ex=REDIS_TTL_SECONDS)
                pipe.zadd(self.index, {digest: time.time()})
                pipe.zcard(self.index)
                *_, size = await pipe.execute()
            if size > self.max_entries:
                oldest = await self.redis.zpopmin(self.index, size - self.max_entries)
                if oldest:
                    await self.redis.delete(*(self.prefix + d.decode() for d, _ in oldest))
        except (RedisError, OSError):
            log.warning("persisted queries: Redis unavailable, using this process's memory", exc_info=True)
            await self.fallback.put(digest, document)

    async def close(self) -> None:
        await self.redis.aclose()


def apq_store(settings: Settings) -> MemoryStore | RedisStore:
    if settings.redis_url:
        return RedisStore(settings.redis_url, settings.redis_channel_prefix, settings.apq_max_entries)
    return MemoryStore(settings.apq_max_entries)

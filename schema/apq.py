"""The store of automatic persisted queries: sha256 -> document, bounded, LRU.

In memory per process by default; with CANOPY_REDIS_URL in Redis under
`<CANOPY_REDIS_PREFIX>:apq:*`, shared by every process: one key per document plus a
sorted set of hashes by last use, trimmed to `apq_max_entries` on each store (the
least recently used go). A store and its trim are one Lua script, so concurrent stores
from several processes can neither overshoot the bound nor trim each other's entries
away. While Redis fails the process falls back to its own memory store: a miss only
costs the client one resend of its document.
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

# KEYS: the index; ARGV: digest, now, document, ttl, max entries, document key prefix.
# (Document keys are derived inside the script: fine on one Redis, not on a cluster.)
_STORE = """
redis.call('SET', ARGV[6] .. ARGV[1], ARGV[3], 'EX', ARGV[4])
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
local excess = redis.call('ZCARD', KEYS[1]) - tonumber(ARGV[5])
if excess > 0 then
  for _, old in ipairs(redis.call('ZRANGE', KEYS[1], 0, excess - 1)) do
    redis.call('DEL', ARGV[6] .. old)
  end
  redis.call('ZREMRANGEBYRANK', KEYS[1], 0, excess - 1)
end
return excess
"""


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
        self.store = self.redis.register_script(_STORE)

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
            await self.store(keys=[self.index], args=[
                digest, time.time(), document.encode(), REDIS_TTL_SECONDS, self.max_entries, self.prefix,
            ])
        except (RedisError, OSError):
            log.warning("persisted queries: Redis unavailable, using this process's memory", exc_info=True)
            await self.fallback.put(digest, document)

    async def close(self) -> None:
        await self.redis.aclose()


def apq_store(settings: Settings) -> MemoryStore | RedisStore:
    if settings.redis_url:
        return RedisStore(settings.redis_url, settings.redis_channel_prefix, settings.apq_max_entries)
    return MemoryStore(settings.apq_max_entries)

"""Fan-out of committed events to this process's subscribers.

Every notification is only "tenant T's log reached cursor N": the feed of T
reads what it has not delivered yet from the database log (one statement per
page, shared by all of the process's subscribers of T) and hands each page to
every subscriber's bounded queue. Notifications come from commits in this
process, from Redis (commits in other processes) and from a poll of the
tenants' counters (a lost Redis message, a crash between commit and publish).
The log is the source of truth; a notification only says when to look.

The broker also carries revocations (a token revoked, a staff member deactivated
or their role or scope changed, resolvers/events/access.py): every process closes
the websockets opened with that token or by that staff member at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson
from redis.asyncio import Redis
from redis.exceptions import RedisError

from config import Settings
from db.models.core import Event
from db.session import Database
from resolvers.events import access  # noqa: F401 - registers the revocation listeners
from resolvers.events.log import EventFilter, LogEntry, heads, read_log

log = logging.getLogger("canopy.events")
PAGE = 500


class SubscriberTooSlow(Exception):
    """A live subscriber fell more than its buffer behind; it resumes by cursor."""


@dataclass(slots=True)
class Batch:
    """Log positions (first..last] handed over together, with the entries that matched."""

    first: int
    last: int
    entries: list[LogEntry]


@dataclass(eq=False)
class Subscriber:
    """One subscription's bounded queue; the feed never waits for it."""

    flt: EventFilter
    limit: int
    batches: deque[Batch] = field(default_factory=deque)
    pending: int = 0
    live: bool = False
    overflowed: bool = False
    wake: asyncio.Event = field(default_factory=asyncio.Event)

    def offer(self, first: int, last: int, matching: Sequence[LogEntry]) -> bool:
        """Queue the entries of (first..last] that match this subscriber's filter (the feed filters
        once per distinct filter); past the limit drop everything (memory stays bounded)."""
        if self.pending + len(matching) > self.limit:
            self.overflowed = True
            self.batches.clear()
            self.pending = 0
            self.wake.set()
            return False
        tail = self.batches[-1] if self.batches else None
        if tail is not None and tail.last + 1 >= first:
            tail.entries.extend(matching)
            tail.last = last
        else:
            self.batches.append(Batch(first, last, list(matching)))  # its own list: a tail grows
        self.pending += len(matching)
        self.wake.set()
        return True

    async def next_batch(self) -> Batch | None:
        """The next batch, or None once the queue overflowed."""
        while not self.batches and not self.overflowed:
            self.wake.clear()
            await self.wake.wait()
        if self.overflowed:
            return None
        batch = self.batches.popleft()
        self.pending -= len(batch.entries)
        return batch


@dataclass(eq=False)
class Feed:
    """One tenant's log as seen by this process: delivered up to `head`, known up to `target`."""

    tenant_id: int
    head: int
    target: int
    subscribers: set[Subscriber] = field(default_factory=set)
    kick: asyncio.Event = field(default_factory=asyncio.Event)
    task: asyncio.Task[None] | None = None


class Broker:
    """In-process fan-out; with a Redis URL, commits of every process reach every process."""

    def __init__(self, db: Database, settings: Settings) -> None:
        self.db = db
        self.buffer = settings.event_buffer
        self.poll_seconds = settings.event_poll_seconds
        self.prefix = settings.redis_channel_prefix
        self.redis: Redis | None = Redis.from_url(settings.redis_url) if settings.redis_url else None
        self.feeds: dict[int, Feed] = {}
        self._pubsub: Any = None
        self._tasks: list[asyncio.Task[None]] = []
        self._listener: asyncio.Task[None] | None = None
        self._lock = asyncio.Lock()
        # Open connections by what revokes them: ("token", tenant, id) / ("staff", tenant, id).
        self.watchers: dict[tuple[str, int, int], set[Callable[[], None]]] = {}
        self._pending: set[asyncio.Task[None]] = set()

    def channel(self, tenant_id: int) -> str:
        return f"{self.prefix}:events:{tenant_id}"

    @property
    def revocations_channel(self) -> str:
        return f"{self.prefix}:revoked"

    async def watch(self, keys: Sequence[tuple[str, int, int]], on_revoked: Callable[[], None]) -> Callable[[], None]:
        """Call `on_revoked` when any of `keys` is revoked (here or in another process);
        returns the function that stops watching."""
        for key in keys:
            self.watchers.setdefault(key, set()).add(on_revoked)
        await self._listen_redis()

        def unwatch() -> None:
            for key in keys:
                found = self.watchers.get(key)
                if found is not None:
                    found.discard(on_revoked)
                    if not found:
                        del self.watchers[key]

        return unwatch

    def revoke_soon(self, keys: Sequence[tuple[str, int, int]]) -> None:
        """From a synchronous commit hook: revoke in a task of the running loop."""
        task = asyncio.get_running_loop().create_task(self.revoke(keys))
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    async def drain(self) -> None:
        """Wait for the revocations `revoke_soon` started (a CLI command before it exits)."""
        while self._pending:
            await asyncio.gather(*list(self._pending), return_exceptions=True)

    async def revoke(self, keys: Sequence[tuple[str, int, int]]) -> None:
        """After commit: close this process's affected connections, then tell the others."""
        self._revoked(keys)
        if self.redis is not None and keys:
            try:
                await self.redis.publish(self.revocations_channel, orjson.dumps([list(k) for k in keys]))
            except (RedisError, OSError) as exc:  # the periodic token re-check still closes them
                log.warning("redis publish of a revocation failed: %s", exc)

    def _revoked(self, keys: Sequence[tuple[str, int, int]]) -> None:
        for key in keys:
            for on_revoked in list(self.watchers.get(tuple(key), ())):  # type: ignore[arg-type]
                on_revoked()

    async def publish(self, events: Sequence[Event]) -> None:
        """After commit: wake local feeds, then tell the other processes (best effort)."""
        tops: dict[int, int] = {}
        for ev in events:
            tops[ev.tenant_id] = max(tops.get(ev.tenant_id, 0), ev.seq)
        for tenant_id, seq in tops.items():
            self.notify(tenant_id, seq)
            if self.redis is not None:
                try:
                    await self.redis.publish(self.channel(tenant_id), str(seq))
                except (RedisError, OSError) as exc:  # the poll catches up on other processes
                    log.warning("redis publish failed: %s", exc)

    def notify(self, tenant_id: int, seq: int) -> None:
        feed = self.feeds.get(tenant_id)
        if feed is not None and seq > feed.target:
            feed.target = seq
            feed.kick.set()

    async def head(self, tenant_id: int) -> int:
        async with self.db.session(tenant_id=tenant_id) as session:
            return (await heads(session, [tenant_id])).get(tenant_id, 0)

    async def subscribe(self, tenant_id: int, flt: EventFilter) -> Subscriber:
        """Register before reading the backlog, so nothing committed later is missed."""
        feed = self.feeds.get(tenant_id)
        if feed is None:
            async with self._lock:
                feed = self.feeds.get(tenant_id) or await self._open_feed(tenant_id)
        sub = Subscriber(flt, self.buffer)
        feed.subscribers.add(sub)
        return sub

    def unsubscribe(self, tenant_id: int, sub: Subscriber) -> None:
        feed = self.feeds.get(tenant_id)
        if feed is not None:
            feed.subscribers.discard(sub)

    async def _open_feed(self, tenant_id: int) -> Feed:
        if not self._tasks:
            self._tasks.append(asyncio.create_task(self._poll()))
        start = await self.head(tenant_id)
        feed = Feed(tenant_id, head=start, target=start)
        feed.task = asyncio.create_task(self._run(feed))
        self.feeds[tenant_id] = feed
        await self._listen_redis(self.channel(tenant_id))
        return feed

    async def _listen_redis(self, *channels: str) -> None:
        """Subscribe to `channels` (and always to revocations) and run the listener once."""
        if self.redis is None:
            return
        try:
            if self._pubsub is None:
                self._pubsub = self.redis.pubsub(ignore_subscribe_messages=True)
                channels = (self.revocations_channel, *channels)
            if channels:
                await self._pubsub.subscribe(*channels)
            if self._listener is None:
                self._listener = asyncio.create_task(self._listen())
                self._tasks.append(self._listener)
        except (RedisError, OSError) as exc:
            log.warning("redis subscribe failed, polling only: %s", exc)

    async def _run(self, feed: Feed) -> None:
        """Deliver the log from head to target in pages, to every subscriber of the tenant."""
        page_size = max(1, min(PAGE, self.buffer))
        while True:
            await feed.kick.wait()
            feed.kick.clear()
            while feed.head < feed.target:
                if not feed.subscribers:  # nobody to read for: just keep the position
                    feed.head = feed.target
                    break
                try:
                    async with self.db.session(tenant_id=feed.tenant_id) as session:
                        page = await read_log(session, after=feed.head, limit=page_size)
                except Exception:  # noqa: BLE001 - the database may come back; retry
                    log.exception("reading the event log failed")
                    await asyncio.sleep(self.poll_seconds)
                    continue
                if not page:  # pruned meanwhile
                    feed.head = feed.target
                    break
                first, feed.head = feed.head + 1, page[-1].seq
                feed.target = max(feed.target, feed.head)
                # Subscribers mostly share a few filters (a role's scope, the types they ask for):
                # filtering per subscriber was 5 % of the server's CPU with 1,000 of them.
                matched: dict[EventFilter, list[LogEntry]] = {}
                for sub in list(feed.subscribers):
                    matching = matched.get(sub.flt)
                    if matching is None:
                        matching = matched[sub.flt] = [e for e in page if sub.flt.matches(e)]
                    if not sub.offer(first, feed.head, matching):
                        feed.subscribers.discard(sub)

    async def _poll(self) -> None:
        """Safety net: a commit whose notification never came is found within one period."""
        while True:
            await asyncio.sleep(self.poll_seconds)
            if not self.feeds:
                continue
            try:
                async with self.db.session(all_tenants=True) as session:
                    found = await heads(session, list(self.feeds))
            except Exception:  # noqa: BLE001 - retried next period
                log.exception("polling the event log failed")
                continue
            for tenant_id, seq in found.items():
                self.notify(tenant_id, seq)

    async def _listen(self) -> None:
        while True:
            try:
                msg = await self._pubsub.get_message(ignore_subscribe_messages=True, timeout=1.0)
            except (RedisError, OSError) as exc:
                log.warning("redis listener failed, retrying: %s", exc)
                await asyncio.sleep(self.poll_seconds)
                continue
            if msg is None or msg.get("type") != "message":
                continue
            try:
                if msg["channel"].decode() == self.revocations_channel:
                    self._revoked([(str(k), int(t), int(i)) for k, t, i in orjson.loads(msg["data"])])
                    continue
                tenant_id = int(msg["channel"].rsplit(b":", 1)[1])
                self.notify(tenant_id, int(msg["data"]))
            except (ValueError, IndexError, TypeError):
                log.warning("ignored a malformed event notification: %r", msg)

    async def close(self) -> None:
        tasks = [*self._tasks, *(f.task for f in self.feeds.values() if f.task)]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._tasks.clear()
        self._listener = None
        self.feeds.clear()
        self.watchers.clear()
        if self._pubsub is not None:
            with contextlib.suppress(RedisError, OSError):
                await self._pubsub.aclose()
            self._pubsub = None
        if self.redis is not None:
            with contextlib.suppress(RedisError, OSError):
                await self.redis.aclose()

"""One subscriber's stream: the stored log after its cursor, then live events, seamlessly."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable

from resolvers.events.broker import PAGE, Broker, Subscriber, SubscriberTooSlow
from resolvers.events.log import EventFilter, LogEntry, heads, read_log


class EventStream:
    """Replays the log after `after` (None: from now on), then follows it live.

    The subscription is registered with the broker BEFORE the log is read, so
    an event committed meanwhile is either in the log read or in the queue;
    `seen` (the position up to which this stream has handed out every matching
    event) drops duplicates at the seam, and a hole between `seen` and the next
    live batch is filled from the log. Reads use short sessions of their own.
    """

    def __init__(
        self, broker: Broker, tenant_id: int, flt: EventFilter, after: int | None, *,
        on_idle: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        self.broker = broker
        self.tenant_id = tenant_id
        self.flt = flt
        self.seen = after
        self.on_idle = on_idle  # runs before each wait for events and each page of the log

    async def __aiter__(self) -> AsyncIterator[LogEntry]:
        sub = await self.broker.subscribe(self.tenant_id, self.flt)
        try:
            if self.seen is None:
                self.seen = await self.broker.head(self.tenant_id)
                sub.live = True
            else:
                async for entry in self._catch_up(sub):
                    yield entry
            while True:
                if not sub.batches and self.on_idle is not None:
                    await self.on_idle()
                batch = await sub.next_batch()
                if batch is None:  # the queue overflowed
                    if sub.live:
                        raise SubscriberTooSlow()
                    # Overflowed while replaying (no fault of the client): start over from the log.
                    self.broker.unsubscribe(self.tenant_id, sub)
                    sub = await self.broker.subscribe(self.tenant_id, self.flt)
                    async for entry in self._catch_up(sub):
                        yield entry
                    continue
                if batch.last <= self.seen:
                    continue
                if batch.first > self.seen + 1:
                    async for entry in self._catch_up(sub):
                        yield entry
                for entry in batch.entries:
                    if entry.seq > self.seen:
                        self.seen = entry.seq
                        yield entry
                self.seen = max(self.seen, batch.last)
        finally:
            self.broker.unsubscribe(self.tenant_id, sub)

    async def _catch_up(self, sub: Subscriber) -> AsyncIterator[LogEntry]:
        """Every matching stored event after `seen`, page by page, up to the log's head."""
        assert self.seen is not None
        sub.live = False
        while True:
            if self.on_idle is not None:
                await self.on_idle()
            async with self.broker.db.session(tenant_id=self.tenant_id) as session:
                # The counter moves in the same commit as the events: everything up
                # to it is visible to the next statement, so `seen` can jump there.
                horizon = (await heads(session, [self.tenant_id])).get(self.tenant_id, 0)
                page = await read_log(session, after=self.seen, limit=PAGE, flt=self.flt, upto=horizon)
            for entry in page:
                self.seen = entry.seq
                yield entry
            if len(page) < PAGE:
                self.seen = max(self.seen, horizon)
                sub.live = True
                return

"""Per-request context: one session (serialised), the viewer, fresh DataLoaders.

This module owns the request's session, so it holds a typed reference to it: `db.session.DbSession`
(the session type the resolvers take), which keeps SQLAlchemy itself out of schema/.
"""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Hashable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from strawberry.dataloader import DataLoader

from config import Settings
from db.session import Database, DbSession
from db.uow import unit_of_work
from resolvers.common.viewer import Viewer

# A caller's X-Request-Id goes into logs and the audit column (VARCHAR(64)):
# 1..64 visible ASCII characters, else a fresh id (no control characters in a log line).
MAX_REQUEST_ID = 64
_REQUEST_ID = re.compile(rf"[!-~]{{1,{MAX_REQUEST_ID}}}")


def _usable_request_id(value: str | None) -> bool:
    return value is not None and _REQUEST_ID.fullmatch(value) is not None


@dataclass
class AppState:
    """What lives as long as the process: settings, database, event broker, bot."""

    settings: Settings
    db: Database
    broker: Any = None
    extras: dict[str, Any] = field(default_factory=dict)


class Context:
    """strawberry's context. Sibling fields resolve concurrently, so every use of
    the request's session goes through `read()`/`write()`, which serialise it."""

    def __init__(
        self, app: AppState, *, viewer: Viewer | None = None, request: Any = None,
        response: Any = None, request_id: str | None = None,
    ) -> None:
        self.app = app
        self.settings = app.settings
        self.viewer = viewer
        self.request = request
        self.response = response
        self.request_id = request_id if _usable_request_id(request_id) else uuid.uuid4().hex
        self.connection_params: dict[str, Any] | None = None
        self.loaders: dict[Hashable, DataLoader[Any, Any]] = {}
        # What resolvers build once per request over the loaders (schema/relay.nested_pages);
        # cleared with them.
        self.memo: dict[Hashable, Any] = {}
        self._lock = asyncio.Lock()
        self._session: DbSession | None = None

    @property
    def session(self) -> DbSession:
        if self._session is None:
            self._session = self.app.db.session(
                tenant_id=self.viewer.tenant_id if self.viewer else None
            )
        return self._session

    def set_viewer(self, viewer: Viewer | None) -> None:
        self.viewer = viewer
        self.session.info["tenant_id"] = viewer.tenant_id if viewer else None
        self.forget_reads()

    def forget_reads(self) -> None:
        """Drops what this request loaded and built on it (after a write, a viewer change, or
        between a long subscription's bursts)."""
        self.loaders.clear()
        self.memo.clear()

    @asynccontextmanager
    async def read(self) -> AsyncIterator[DbSession]:
        """The request session for reads.

        The read transaction stays open until a write (which ends it first, so
        the write sees the latest data) or the end of the operation: one BEGIN
        per request rather than one per loader batch.
        """
        async with self._lock:
            yield self.session

    @asynccontextmanager
    async def write(self, operation: str) -> AsyncIterator[DbSession]:
        """A write transaction with audit rows and events, committed in one place."""
        async with self._lock:
            session = self.session
            session.info["publish"] = self.app.broker.publish if self.app.broker else None
            session.info["broker"] = self.app.broker  # revocations announced after commit
            async with unit_of_work(
                session, operation=operation,
                actor_id=self.viewer.staff_id if self.viewer else None,
                request_id=self.request_id,
            ):
                yield session
            # A write changes what loaders cached earlier in this request.
            self.forget_reads()

    def loader(
        self, key: Hashable, load: Callable[[DbSession, Sequence[Any]], Awaitable[Sequence[Any]]]
    ) -> DataLoader[Any, Any]:
        """The request's DataLoader for `key`, created on first use; `load` runs in read()."""
        existing = self.loaders.get(key)
        if existing is not None:
            return existing

        async def batch(keys: list[Any]) -> Sequence[Any]:
            async with self.read() as session:
                return await load(session, keys)

        created: DataLoader[Any, Any] = DataLoader(load_fn=batch)
        self.loaders[key] = created
        return created

    async def close(self) -> None:
        # Each loader's batch closure references this context (context -> loaders ->
        # closure -> context), and its cache holds futures whose results are ORM rows:
        # dropping them here frees the request by reference counting, not by a full GC.
        for loader in self.loaders.values():
            loader.clear_all()
        self.forget_reads()
        # Under the lock: when a non-null field fails, graphql-core answers without waiting for
        # its siblings, so one may still be inside read(); closing under it faulted (sometimes
        # with the driver's message unmasked). It closes once that use is over.
        async with self._lock:
            if self._session is not None:
                await self._session.close()
                self._session = None

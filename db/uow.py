"""The unit of work: the one place where a write transaction begins and commits."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy.ext.asyncio import AsyncSession

from db import audit, outbox
from db.models.core import Event
from db.session import WRITE


@asynccontextmanager
async def unit_of_work(
    session: AsyncSession,
    *,
    operation: str,
    actor_id: int | None = None,
    request_id: str | None = None,
) -> AsyncIterator[AsyncSession]:
    """Run a write in one transaction with its audit rows and events; publish after commit.

    Services never commit. Any exception (a DomainError included) rolls back
    everything the block wrote.
    """
    if session.in_transaction():
        await session.commit()  # end a read snapshot so the write sees the latest data
    info = session.info
    info.update(
        operation=operation, actor_id=actor_id, request_id=request_id,
        audit_pending={}, events_pending=[],
    )
    await session.connection(execution_options={WRITE: True})
    committed: list[Event] = []
    try:
        yield session
        await session.flush()
        audit.flush_entries(session.sync_session)
        committed = await outbox.allocate_and_insert(session)
        await session.commit()
    except BaseException:
        await session.rollback()
        raise
    finally:
        info.pop("audit_pending", None)
        info.pop("events_pending", None)
    publish = info.get("publish")
    if committed and publish is not None:
        await publish(committed)

"""Domain events, written in the transaction of the change (the outbox)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import insert, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session, configure_mappers

from db.audit import json_safe
from db.base import new_id, utcnow
from db.models.core import Event, Tenant


def emit(
    session: AsyncSession | Session,
    type: str,
    *,
    subject: Any = None,
    node_id: int | None = None,
    data: dict[str, Any] | None = None,
    tenant_id: int | None = None,
) -> Event:
    """Queue an event; db/uow.py numbers and inserts it just before commit."""
    sync = session.sync_session if isinstance(session, AsyncSession) else session
    info = sync.info
    ev = _new_event(
        tenant_id=tenant_id or getattr(subject, "tenant_id", None) or info.get("tenant_id"),
        type=type,
        node_id=node_id,
        subject_type=type_name(subject) if subject is not None else None,
        subject_id=getattr(subject, "id", None),
        data={k: json_safe(v) for k, v in (data or {}).items()},
        actor_id=info.get("actor_id"),
        occurred_at=utcnow(),
    )
    info.setdefault("events_pending", []).append(ev)
    return ev


def _new_event(**values: Any) -> Event:
    """A transient Event holding `values`, without the instrumented __init__ (~60 µs an event).

    Events are never added to a session (allocate_and_insert inserts their
    values with Core), so their attributes need no change history: reads see
    `values`, later assignments (seq, id) are ordinary instrumented sets.
    """
    if _events_configured is None:
        _configure()
    ev = _EVENT_MANAGER.new_instance()
    ev.__dict__.update(values, id=None, seq=None)
    return ev


_EVENT_MANAGER = Event._sa_class_manager
_events_configured: bool | None = None


def _configure() -> None:
    global _events_configured
    configure_mappers()  # what Event.__init__ would do first: attribute access needs it
    _events_configured = True


def type_name(obj: Any) -> str:
    """The GraphQL type name of a model instance (TierNode, Customer, Order...)."""
    return getattr(obj, "__graphql_type__", type(obj).__name__)


async def allocate_and_insert(session: AsyncSession) -> list[Event]:
    """Number pending events per tenant in commit order and insert them.

    The UPDATE on the tenant's counter row holds its lock until commit, so two
    transactions of one tenant get their cursors in the order they commit: a
    reader resuming after cursor N can never later see a smaller cursor appear.
    """
    pending: list[Event] = session.info.pop("events_pending", [])
    if not pending:
        return []
    by_tenant: dict[int, list[Event]] = {}
    for ev in pending:
        by_tenant.setdefault(ev.tenant_id, []).append(ev)
    for tenant_id in sorted(by_tenant):
        events = by_tenant[tenant_id]
        result = await session.execute(
            update(Tenant)
            .where(Tenant.id == tenant_id)
            .values(event_seq=Tenant.event_seq + len(events))
            .returning(Tenant.event_seq)
        )
        last = result.scalar_one()
        for i, ev in enumerate(events):
            ev.seq = last - len(events) + 1 + i
    # One executemany: adding the events to the session and flushing them cost
    # a unit-of-work pass per object. They stay transient (publish reads them).
    rows = []
    for ev in pending:
        if ev.id is None:
            ev.id = new_id()
        values = ev.__dict__  # what the attributes read, without their descriptors
        rows.append({c: values[c] if c in values else getattr(ev, c) for c in _COLUMNS})
    await session.execute(insert(Event.__table__), rows)
    return pending


_COLUMNS = tuple(c.key for c in Event.__table__.columns)

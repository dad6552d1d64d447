"""Consent: record a statement (setConsent, imports), read the current state, test it in SQL.

The history is append-only; the current state of (customer, channel, purpose) is its
latest row by (at, id), and no row means "not granted" (docs/marketing.md).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from db import audit
from db.base import new_id, utcnow
from db.models.consent import ConsentChannel, ConsentPurpose, ConsentRecord
from db.outbox import emit
from resolvers.common.errors import ErrorCode, Problems
from resolvers.common.lengths import check_length
from resolvers.common.permissions import require
from resolvers.common.viewer import Viewer
from resolvers.customers.customers import customer_in_scope

Key = tuple[ConsentChannel, ConsentPurpose]
KEYS: list[Key] = [(c, p) for c in ConsentChannel for p in ConsentPurpose]


@dataclass(frozen=True)
class ConsentState:
    """The current state of one channel and purpose (granted False, the rest None: never asked)."""

    channel: ConsentChannel
    purpose: ConsentPurpose
    granted: bool = False
    source: str | None = None
    at: datetime | None = None
    by_staff_id: int | None = None


def _latest(customer_ids: Iterable[int]) -> Any:
    """Each customer's latest row per channel and purpose (a window over the history)."""
    rank = func.row_number().over(
        partition_by=(ConsentRecord.customer_id, ConsentRecord.channel, ConsentRecord.purpose),
        order_by=(ConsentRecord.at.desc(), ConsentRecord.id.desc()),
    ).label("rank")
    ranked = select(ConsentRecord, rank).where(ConsentRecord.customer_id.in_(set(customer_ids))).subquery()
    return select(ranked).where(ranked.c.rank == 1)


async def current_consents(session: AsyncSession, customer_ids: Sequence[int]) -> list[list[ConsentState]]:
    """Every channel x purpose per customer, in KEYS order; one statement for all of them."""
    found: dict[tuple[int, str, str], Any] = {}
    if customer_ids:
        for r in (await session.execute(_latest(customer_ids))).all():
            found[(r.customer_id, str(r.channel), str(r.purpose))] = r
    out = []
    for cid in customer_ids:
        states = []
        for channel, purpose in KEYS:
            r = found.get((cid, channel.value, purpose.value))
            states.append(ConsentState(channel, purpose) if r is None else ConsentState(
                channel, purpose, bool(r.granted), r.source, r.at, r.by_staff_id))
        out.append(states)
    return out


def granted(customer_id: ColumnElement[int], channel: ConsentChannel, purpose: ConsentPurpose) -> ColumnElement[bool]:
    """SQL: the customer's latest statement for channel and purpose granted it (correlated, indexed)."""
    latest = (
        select(ConsentRecord.granted)
        .where(ConsentRecord.customer_id == customer_id, ConsentRecord.channel == channel,
               ConsentRecord.purpose == purpose)
        .order_by(ConsentRecord.at.desc(), ConsentRecord.id.desc()).limit(1)
        .correlate_except(ConsentRecord).scalar_subquery()
    )
    return and_(latest.is_not(None), latest.is_(True))


def check_source(source: str | None, problems: Problems, field: str = "source") -> str:
    cleaned = " ".join((source or "").split())
    if not cleaned:
        problems.add(ErrorCode.INVALID, "must not be blank", field)
    check_length(problems, cleaned, ConsentRecord.source, field)
    return cleaned


async def set_consent(
    session: AsyncSession, viewer: Viewer, *, customer_id: int | None, channel: ConsentChannel,
    purpose: ConsentPurpose, granted: bool, source: str | None,
) -> ConsentRecord:
    """Append one statement (a repeated one too: it renews the date and source); audited, one event."""
    require(viewer, "customer.write")
    customer, node = await customer_in_scope(session, viewer, customer_id, "customerId")
    problems = Problems()
    cleaned = check_source(source if source is not None else "api", problems)
    problems.raise_if_any()
    record = ConsentRecord(customer_id=customer.id, channel=channel, purpose=purpose, granted=granted,
                           source=cleaned, at=utcnow(), by_staff_id=viewer.staff_id or None)
    session.add(record)
    await session.flush()
    emit(session, "CONSENT_CHANGED", subject=customer, node_id=node.id,
         data={"channel": channel.value, "purpose": purpose.value, "granted": granted, "source": cleaned})
    return record


async def record_many(
    session: AsyncSession, viewer: Viewer, statements: Sequence[tuple[Any, Key, bool]], *, source: str,
) -> int:
    """Statements (customer-like object with id, node_id; key; granted) that differ from the
    current state (or where none was recorded), appended with one INSERT, audited and announced like setConsent; the count."""
    if not statements:
        return 0
    ids = sorted({c.id for c, _, _ in statements})
    now = {cid: {(s.channel, s.purpose): s.granted for s in states if s.at is not None}
           for cid, states in zip(ids, await current_consents(session, ids), strict=True)}
    rows = []
    at = utcnow()
    for customer, (channel, purpose), value in statements:
        state = now.setdefault(customer.id, {})
        if state.get((channel, purpose)) is value:
            continue  # unchanged; an explicit "no" where nothing was recorded is kept
        state[(channel, purpose)] = value
        values = {"id": new_id(), "customer_id": customer.id, "channel": channel, "purpose": purpose,
                  "granted": value, "source": source, "at": at, "by_staff_id": viewer.staff_id or None}
        audit.record_new(session.sync_session, ConsentRecord, values, tenant_id=viewer.tenant_id,
                         node_id=customer.node_id)
        rows.append({**values, "tenant_id": viewer.tenant_id})
        emit(session, "CONSENT_CHANGED", subject=customer, node_id=customer.node_id,
             data={"channel": channel.value, "purpose": purpose.value, "granted": value, "source": source})
    if rows:
        await session.execute(insert(ConsentRecord.__table__), rows)
    return len(rows)


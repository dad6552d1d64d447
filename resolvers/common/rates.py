"""Exchange rates into the tenant's reporting currency, by day."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from db import audit
from db.base import new_id, utcnow
from db.models.orders import ExchangeRate
from db.upsert import insert_for
from resolvers.common.errors import DomainError, ErrorCode, invalid
from resolvers.common.money import currency_code
from resolvers.common.permissions import require
from resolvers.common.viewer import Viewer

RATE_DECIMALS = 10  # what the column keeps (NUMERIC(28, 10) on PostgreSQL)


async def rate_at(session: AsyncSession, currency: str, day: date) -> Decimal | None:
    """The latest rate of `currency` on or before `day`, or None."""
    return await session.scalar(
        select(ExchangeRate.rate)
        .where(ExchangeRate.currency == currency, ExchangeRate.day <= day)
        .order_by(ExchangeRate.day.desc())
        .limit(1)
    )


async def reporting_rate(
    session: AsyncSession, *, currency: str, reporting: str, day: date, field: str = "currency",
) -> Decimal:
    """The rate from `currency` to the reporting currency on `day`; a missing one is INVALID."""
    if currency == reporting:
        return Decimal(1)
    rate = await rate_at(session, currency, day)
    if rate is None:
        raise DomainError(
            ErrorCode.INVALID,
            f"no exchange rate {currency}->{reporting} on or before {day.isoformat()}: "
            "set one with setExchangeRate or `canopy rates import`",
            (field,),
        )
    return rate


def parse_rate(currency: str, day: str, rate: str | Decimal, *, reporting: str) -> tuple[str, date, Decimal]:
    """A validated (currency, day, rate); problems are INVALID at currency, date or rate."""
    code = currency_code(currency, "currency")
    if code == reporting:
        raise invalid(f"{code} is the reporting currency: its rate is always 1", "currency")
    try:
        parsed_day = date.fromisoformat(day.strip())
    except ValueError as exc:
        raise invalid(f"date {day!r} is not YYYY-MM-DD", "date") from exc
    try:
        value = Decimal(str(rate).strip())
    except InvalidOperation as exc:
        raise invalid(f"rate {rate!r} is not a number", "rate") from exc
    if not value.is_finite() or value <= 0:
        raise invalid("rate must be a positive number", "rate")
    # magnitude first: quantizing 19 integer digits to 10 decimals overflows the context
    if value >= Decimal(10) ** 18 or value != value.quantize(Decimal(1).scaleb(-RATE_DECIMALS)):
        raise invalid(f"rate has at most {RATE_DECIMALS} decimals and 18 digits", "rate")
    return code, parsed_day, value


async def upsert_rates(session: AsyncSession, rows: list[tuple[str, date, Decimal]]) -> int:
    """Insert or overwrite rates (idempotent), 500 per statement; returns how many were given."""
    tenant_id = session.info["tenant_id"]
    now = utcnow()
    for start in range(0, len(rows), 500):
        chunk = [
            {"tenant_id": tenant_id, "id": new_id(), "currency": c, "day": d, "rate": r, "updated_at": now}
            for c, d, r in rows[start:start + 500]
        ]
        stmt = insert_for(session, ExchangeRate).values(chunk)
        stmt = stmt.on_conflict_do_update(
            index_elements=["tenant_id", "currency", "day"],
            set_={"rate": stmt.excluded.rate, "updated_at": stmt.excluded.updated_at},
        ).returning(ExchangeRate.id, ExchangeRate.currency, ExchangeRate.day, ExchangeRate.rate)
        for rate_id, currency, day, rate in (await session.execute(stmt)).all():
            # A Core upsert bypasses the flush that audits ORM changes.
            audit.record(
                session.sync_session, tenant_id=tenant_id, entity_type="ExchangeRate", entity_id=rate_id,
                changes={"currency": [None, currency], "day": [None, day], "rate": [None, rate]},
            )
    return len(rows)


async def set_exchange_rate(
    session: AsyncSession, viewer: Viewer, *, currency: str, day: str, rate: Decimal,
) -> ExchangeRate:
    require(viewer, "rate.write")
    row = parse_rate(currency, day, rate, reporting=viewer.reporting_currency)
    await upsert_rates(session, [row])
    found = await session.scalar(
        select(ExchangeRate).where(ExchangeRate.currency == row[0], ExchangeRate.day == row[1])
        .execution_options(populate_existing=True)
    )
    assert found is not None
    return found

"""Readable per-tenant document numbers: O-000001, T-000001."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from db.base import new_id
from db.models.orders import DocumentCounter
from db.upsert import insert_for


async def next_number(session: AsyncSession, name: str, prefix: str) -> str:
    """The next number of counter `name`; the counter row stays locked until commit, which
    costs nothing extra: every mutation already serialises on the tenant's event counter."""
    stmt = (
        insert_for(session, DocumentCounter)
        .values(tenant_id=session.info["tenant_id"], id=new_id(), name=name, value=1)
        .on_conflict_do_update(
            index_elements=["tenant_id", "name"], set_={"value": DocumentCounter.value + 1}
        )
        .returning(DocumentCounter.value)
    )
    value = (await session.execute(stmt)).scalar_one()
    return f"{prefix}-{value:06d}"

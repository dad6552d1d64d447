"""Batch selects behind the per-request loaders (schema/loading.py): rows by id, rows by a column."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession


async def rows_by_id(session: AsyncSession, model: Any, ids: Sequence[int]) -> list[Any]:
    """`model` rows of these ids, in their order (None where missing); one IN query."""
    rows = (await session.scalars(select(model).where(model.id.in_(set(ids))))).all()
    found = {r.id: r for r in rows}
    return [found.get(i) for i in ids]


async def rows_by(
    session: AsyncSession, model: Any, column: Any, keys: Sequence[Any], order_by: Sequence[Any] = (),
) -> list[list[Any]]:
    """All `model` rows whose `column` equals each key, as lists; one IN query."""
    stmt = select(model).where(column.in_(set(keys))).order_by(*order_by)
    grouped: dict[Any, list[Any]] = {}
    for row in (await session.scalars(stmt)).all():
        grouped.setdefault(getattr(row, column.key), []).append(row)
    return [grouped.get(k, []) for k in keys]

"""Generic per-request loaders: rows by primary key, in the caller's tenant."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.dataloader import DataLoader


def by_id(ctx: Any, model: Any) -> DataLoader[int, Any]:
    """`model` rows by id (None where missing); one IN query per batch."""

    async def load(session: AsyncSession, ids: Sequence[int]) -> list[Any]:
        rows = (await session.scalars(select(model).where(model.id.in_(set(ids))))).all()
        found = {r.id: r for r in rows}
        return [found.get(i) for i in ids]

    return ctx.loader(("by_id", model.__name__), load)


def many_by(ctx: Any, model: Any, column: Any, *, order_by: Sequence[Any] = ()) -> DataLoader[Any, list[Any]]:
    """All `model` rows whose `column` equals each key, as lists; one query per batch."""

    async def load(session: AsyncSession, keys: Sequence[Any]) -> list[list[Any]]:
        stmt = select(model).where(column.in_(set(keys))).order_by(*order_by)
        grouped: dict[Any, list[Any]] = {}
        for row in (await session.scalars(stmt)).all():
            grouped.setdefault(getattr(row, column.key), []).append(row)
        return [grouped.get(k, []) for k in keys]

    return ctx.loader(("many_by", model.__name__, column.key), load)

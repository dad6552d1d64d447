"""Batch selects behind the per-request loaders (schema/loading.py): rows by id, rows by a column.

Each statement is built once per shape (model, column, order) with an expanding bind
parameter for the keys, not once per batch: building a select and its cache key costs more
CPU than SQLAlchemy's cached compilation of it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select, bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

_BY_ID: dict[Any, Select[Any]] = {}
_BY: dict[tuple[Any, ...], Select[Any]] = {}


def by_id_statement(model: Any) -> Select[Any]:
    stmt = _BY_ID.get(model)
    if stmt is None:
        stmt = _BY_ID[model] = select(model).where(model.id.in_(bindparam("ids", expanding=True)))
    return stmt


def by_statement(model: Any, column: Any, order_by: Sequence[Any]) -> Select[Any]:
    def build() -> Select[Any]:
        return select(model).where(column.in_(bindparam("keys", expanding=True))).order_by(*order_by)

    # Only plain mapped attributes name a shape for sure (a `.desc()` is a new object per call).
    if not all(isinstance(c, InstrumentedAttribute) for c in (column, *order_by)):
        return build()
    shape = (model, column.class_, column.key, *((c.class_, c.key) for c in order_by))
    stmt = _BY.get(shape)
    if stmt is None:
        stmt = _BY[shape] = build()
    return stmt


async def rows_by_id(session: AsyncSession, model: Any, ids: Sequence[int]) -> list[Any]:
    """`model` rows of these ids, in their order (None where missing); one IN query."""
    rows = (await session.scalars(by_id_statement(model), {"ids": list(set(ids))})).all()
    found = {r.id: r for r in rows}
    return [found.get(i) for i in ids]


async def rows_by(
    session: AsyncSession, model: Any, column: Any, keys: Sequence[Any], order_by: Sequence[Any] = (),
) -> list[list[Any]]:
    """All `model` rows whose `column` equals each key, as lists; one IN query."""
    stmt = by_statement(model, column, order_by)
    grouped: dict[Any, list[Any]] = {}
    for row in (await session.scalars(stmt, {"keys": list(set(keys))})).all():
        grouped.setdefault(getattr(row, column.key), []).append(row)
    return [grouped.get(k, []) for k in keys]

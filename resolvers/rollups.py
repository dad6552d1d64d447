"""Subtree rollups: each domain registers named parts; one statement selects them all.

A part is a function of a `RollupScope` returning a scalar subquery (an integer)
over the subtree, e.g. the customers domain registers "customer_count". The
rollup of any number of nodes is ONE statement: a row per node, a column per part.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ScalarSelect, literal, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

# The NodeRollup fields; "revenue" is in minor units of the tenant's reporting currency.
PART_NAMES = ("customer_count", "member_count", "order_count", "revenue", "open_ticket_count")


@dataclass(frozen=True)
class RollupScope:
    """What a part gets: the tenant, the subtree's root path, the half-open range [start, end)."""

    tenant_id: int
    path: str
    start: datetime | None
    end: datetime | None


RollupPart = Callable[[RollupScope], ScalarSelect[Any]]
PARTS: dict[str, RollupPart] = {}


def register(name: str, part: RollupPart) -> None:
    """Make `part` answer the rollup field `name` (one of PART_NAMES)."""
    if name not in PART_NAMES:
        raise ValueError(f"unknown rollup part {name!r}; known: {', '.join(PART_NAMES)}")
    PARTS[name] = part


def in_range(column: Any, scope: RollupScope) -> list[Any]:
    """Conditions putting a timestamp column in the scope's [start, end)."""
    out = []
    if scope.start is not None:
        out.append(column >= scope.start)
    if scope.end is not None:
        out.append(column < scope.end)
    return out


async def compute(session: AsyncSession, scopes: Sequence[RollupScope]) -> list[dict[str, int]]:
    """The rollup of every scope, in one statement; unregistered parts are 0."""
    if not scopes or not PARTS:
        return [dict.fromkeys(PART_NAMES, 0) for _ in scopes]
    names = list(PARTS)
    rows = [
        select(literal(i).label("i"), *(PARTS[n](scope).label(n) for n in names))
        for i, scope in enumerate(scopes)
    ]
    stmt = rows[0] if len(rows) == 1 else union_all(*rows)
    found = {row.i: row for row in (await session.execute(stmt)).all()}
    out = []
    for i in range(len(scopes)):
        values = dict.fromkeys(PART_NAMES, 0)
        values.update({n: int(getattr(found[i], n) or 0) for n in names})
        out.append(values)
    return out

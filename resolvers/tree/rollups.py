"""Subtree rollups: each domain registers named parts; one statement selects them all.

A part is a function of a `RollupScope` returning a scalar subquery (an integer)
over the subtree, e.g. the customers domain registers "customer_count". The
rollup of any number of nodes is ONE statement: a row per node, a column per part.

All-time rollups (no period) sum the per-node counters that database triggers
keep (db/node_stats.py) instead: their cost grows with the subtree's node count,
not with its orders and customers. Periods scan the rows through the parts.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ScalarSelect, Select, and_, func, literal, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from db.models.tree import NodeStats, TierNode, in_subtree

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
# Several fields from one aggregate (one scan): a SELECT with a labelled column per name.
GROUPS: dict[tuple[str, ...], Callable[[RollupScope], Select[Any]]] = {}


def _check(names: Sequence[str]) -> None:
    for name in names:
        if name not in PART_NAMES:
            raise ValueError(f"unknown rollup part {name!r}; known: {', '.join(PART_NAMES)}")


def register(name: str, part: RollupPart) -> None:
    """Make `part` answer the rollup field `name` (one of PART_NAMES)."""
    _check([name])
    PARTS[name] = part


def register_group(names: tuple[str, ...], query: Callable[[RollupScope], Select[Any]]) -> None:
    """Make one aggregate `query` (one row, a column labelled per name) answer several fields."""
    _check(names)
    GROUPS[names] = query


def in_range(column: Any, scope: RollupScope) -> list[Any]:
    """Conditions putting a timestamp column in the scope's [start, end)."""
    out = []
    if scope.start is not None:
        out.append(column >= scope.start)
    if scope.end is not None:
        out.append(column < scope.end)
    return out


async def compute(session: AsyncSession, scopes: Sequence[RollupScope]) -> list[dict[str, int]]:
    """The rollup of every scope: one statement for the all-time ones, one for those with a period."""
    out = [dict.fromkeys(PART_NAMES, 0) for _ in scopes]
    counters = [(i, s) for i, s in enumerate(scopes) if s.start is None and s.end is None]
    periods = [(i, s) for i, s in enumerate(scopes) if s.start is not None or s.end is not None]
    statements = []
    if counters:
        statements.append((_from_counters(counters), PART_NAMES))
    if periods and (PARTS or GROUPS):
        statements.append((_from_parts(periods), [*PARTS, *(n for names in GROUPS for n in names)]))
    for stmt, names in statements:
        for row in (await session.execute(stmt)).all():
            out[row.i].update({n: int(getattr(row, n) or 0) for n in names})
    return out


def _one(rows: list[Any]) -> Any:
    return rows[0] if len(rows) == 1 else union_all(*rows)


def _from_counters(scopes: list[tuple[int, RollupScope]]) -> Any:
    return _one([
        select(literal(i).label("i"), *(func.sum(getattr(NodeStats, n)).label(n) for n in PART_NAMES))
        .select_from(NodeStats)
        .join(TierNode, and_(TierNode.tenant_id == NodeStats.tenant_id, TierNode.id == NodeStats.node_id))
        .where(NodeStats.tenant_id == scope.tenant_id, in_subtree(TierNode.path, scope.path))
        for i, scope in scopes
    ])


def _from_parts(scopes: list[tuple[int, RollupScope]]) -> Any:
    rows = []
    for i, scope in scopes:
        groups = [(names, query(scope).subquery()) for names, query in GROUPS.items()]
        columns = [sub.c[n].label(n) for names, sub in groups for n in names]
        row = select(literal(i).label("i"), *(part(scope).label(n) for n, part in PARTS.items()), *columns)
        rows.append(row.select_from(*(sub for _names, sub in groups)) if groups else row)
    return _one(rows)

"""Segments: create/update/delete a named rule over a node's customers; its audience in SQL.

A segment is visible to whoever's scope holds its node; its audience is always confined to the
viewer's scope AND the segment node's subtree (customer_query's own scoping), so a manager's
segment never reaches outside their subtree, whoever made it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select, false, func, literal, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from db.base import utcnow
from db.models.marketing import Segment
from db.models.membership import MembershipTier
from db.models.tree import TierNode, in_subtree
from db.outbox import emit
from resolvers.common.errors import DomainError, ErrorCode, Problems, not_found
from resolvers.common.lengths import check_text
from resolvers.common.permissions import require
from resolvers.common.viewer import Viewer
from resolvers.customers.customers import CustomerFilterValues, customer_query
from resolvers.marketing import rules
from resolvers.tree.nodes import node_in_scope


async def _validated_rule(session: AsyncSession, viewer: Viewer, raw: Any, problems: Problems) -> dict[str, Any]:
    rule = rules.normalise(raw, problems, ["rule"], viewer.reporting_currency)
    if problems.items:
        return rule
    node_ids = rules.referenced(rule, "subtree")
    if node_ids:
        paths = (await session.execute(select(TierNode.id, TierNode.path).where(TierNode.id.in_(node_ids)))).all()
        if len(paths) != len(node_ids) or not all(viewer.in_scope(p) for _, p in paths):
            problems.add(ErrorCode.NOT_FOUND, "no such tier node", ["rule", "subtree"])
    tier_ids = rules.referenced(rule, "tiers")
    if tier_ids:
        found = (await session.scalars(select(MembershipTier.id).where(MembershipTier.id.in_(tier_ids)))).all()
        if len(found) != len(tier_ids):
            problems.add(ErrorCode.NOT_FOUND, "no such membership tier", ["rule", "tierIds"])
    return rule


def _check_name(name: str | None, problems: Problems) -> str:
    check_text(problems, name, "name", max_length=200)
    return (name or "").strip()


async def create_segment(
    session: AsyncSession, viewer: Viewer, *, name: str, node_id: int | None, rule: Any,
) -> Segment:
    require(viewer, "segment.write")
    node = await node_in_scope(session, viewer, node_id, "nodeId")
    problems = Problems()
    cleaned = _check_name(name, problems)
    stored = await _validated_rule(session, viewer, rule, problems)
    problems.raise_if_any()
    segment = Segment(name=cleaned, node_id=node.id, owner_id=viewer.staff_id or None, rule=stored)
    session.add(segment)
    await session.flush()
    emit(session, "SEGMENT_CREATED", subject=segment, node_id=node.id, data={"name": cleaned})
    return segment


async def segment_in_scope(
    session: AsyncSession, viewer: Viewer, segment_id: int | None, field: str = "id",
) -> tuple[Segment, TierNode]:
    require(viewer, "segment.read")
    row = None
    if segment_id is not None:
        row = (await session.execute(
            select(Segment, TierNode).join(TierNode, TierNode.id == Segment.node_id).where(Segment.id == segment_id)
        )).first()
    if row is None or not viewer.in_scope(row[1].path):
        raise not_found("segment", field)
    return row[0], row[1]


async def update_segment(
    session: AsyncSession, viewer: Viewer, *, segment_id: int | None, changes: dict[str, Any],
) -> Segment:
    """`changes`: the fields sent among name, node_id, rule."""
    require(viewer, "segment.write")
    segment, node = await segment_in_scope(session, viewer, segment_id)
    problems = Problems()
    if "node_id" in changes:
        node = await node_in_scope(session, viewer, changes["node_id"], "nodeId")
        segment.node_id = node.id
    if "name" in changes:
        segment.name = _check_name(changes["name"], problems)
    if "rule" in changes:
        segment.rule = await _validated_rule(session, viewer, changes["rule"], problems)
    problems.raise_if_any()
    segment.updated_at = utcnow()
    await session.flush()
    emit(session, "SEGMENT_UPDATED", subject=segment, node_id=node.id, data={"fields": sorted(changes)})
    return segment


async def delete_segment(session: AsyncSession, viewer: Viewer, *, segment_id: int | None) -> int:
    require(viewer, "segment.write")
    segment, node = await segment_in_scope(session, viewer, segment_id)
    from db.models.marketing import Campaign

    if await session.scalar(select(Campaign.id).where(Campaign.segment_id == segment.id).limit(1)):
        raise DomainError(ErrorCode.CONFLICT, "campaigns use this segment", "id")
    emit(session, "SEGMENT_DELETED", subject=segment, node_id=node.id, data={"name": segment.name})
    await session.delete(segment)
    await session.flush()
    return segment.id


def segments_query(viewer: Viewer, node_path: str | None = None, *, nothing: bool = False) -> Select[Any]:
    """Segments whose node lies in the viewer's scope (and the given subtree; none outside the scope)."""
    require(viewer, "segment.read")
    stmt = select(Segment)
    if nothing or (node_path is not None and not viewer.in_scope(node_path)):
        return stmt.where(false())
    path = node_path or viewer.scope_path
    return stmt.where(Segment.node_id.in_(select(TierNode.id).where(in_subtree(TierNode.path, path))))


async def _paths(session: AsyncSession, segments: list[Segment]) -> dict[int, str]:
    node_ids = set().union(*(rules.referenced(s.rule, "subtree") for s in segments))
    return dict((await session.execute(  # type: ignore[arg-type]
        select(TierNode.id, TierNode.path).where(TierNode.id.in_(node_ids))
    )).all()) if node_ids else {}


def _audience(session: AsyncSession, viewer: Viewer, segment: Segment, node: TierNode,
              paths: dict[int, str]) -> Select[Any]:
    ctx = rules.Context(viewer=viewer, paths=paths, population_path=node.path, now=utcnow(),
                        currency=viewer.reporting_currency, dialect=session.bind.dialect.name)
    condition = rules.compile_rule(segment.rule, ctx)
    return customer_query(viewer, CustomerFilterValues(node_path=node.path, extra=(condition,)))


async def audience_query(session: AsyncSession, viewer: Viewer, segment: Segment, node: TierNode) -> Select[Any]:
    """The segment's customers as one statement (select(Customer)...), scoped like every customer list."""
    return _audience(session, viewer, segment, node, await _paths(session, [segment]))


async def segment_sizes(session: AsyncSession, viewer: Viewer, segment_ids: Sequence[int]) -> list[int | None]:
    """Sizes of many segments (None where not visible): 3 statements at most, one UNION ALL of counts."""
    require(viewer, "segment.read")
    rows = (await session.execute(
        select(Segment, TierNode).join(TierNode, TierNode.id == Segment.node_id).where(Segment.id.in_(set(segment_ids)))
    )).all()
    visible = {s.id: (s, n) for s, n in rows if viewer.in_scope(n.path)}
    if not visible:
        return [None] * len(segment_ids)
    paths = await _paths(session, [s for s, _ in visible.values()])
    counts = [
        select(literal(sid).label("id"), select(func.count()).select_from(
            _audience(session, viewer, s, n, paths).subquery()).scalar_subquery().label("n"))
        for sid, (s, n) in visible.items()
    ]
    found = dict((await session.execute(union_all(*counts) if len(counts) > 1 else counts[0])).all())  # type: ignore[arg-type]
    return [int(found[i]) if i in found else None for i in segment_ids]

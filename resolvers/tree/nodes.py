"""The tier tree: create, update, move and delete nodes; settings inheritance.

Every write takes the tenant's tree lock first (see `lock_tree`), then reads the
paths it works on, so two moves can never interleave and corrupt the paths.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import case, exists, func, inspect, literal, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from db import audit
from db.base import new_id, utcnow
from db.models.core import Staff
from db.models.customers import Customer
from db.models.membership import MembershipProgram
from db.models.tree import TierNode, in_subtree, path_segment
from db.outbox import emit
from resolvers.common.errors import DomainError, ErrorCode, Problems, not_found
from resolvers.common.permissions import require
from resolvers.common.viewer import Viewer
from resolvers.tree.settings import (
    SETTING_FIELDS,
    NodeSettingsValues,
    clean_settings,
    effective_settings,
)

# A path segment is 14 characters and the path column holds 1024: 64 levels fit with room.
MAX_DEPTH = 64
# pg_advisory_xact_lock(class, key): the class keeps our keys apart from other locks.
TREE_LOCK_CLASS = 0x74726565  # "tree"
REQUIRED_ON_ROOT = ("currency", "locale", "timezone")


async def lock_tree(session: AsyncSession, tenant_id: int) -> None:
    """Serialise the tenant's tree writes until commit.

    PostgreSQL: a transaction-scoped advisory lock per tenant. SQLite: write
    transactions already begin IMMEDIATE (db/session.py), one writer at a time.
    """
    if session.bind.dialect.name == "postgresql":
        await session.execute(
            text("SELECT pg_advisory_xact_lock(:cls, :key)"),
            {"cls": TREE_LOCK_CLASS, "key": tenant_id & 0x7FFFFFFF},
        )


async def node_in_scope(
    session: AsyncSession, viewer: Viewer, node_id: int | None, field: str = "id",
) -> TierNode:
    """The node as committed now (never a stale copy from this session), else NOT_FOUND."""
    node = None
    if node_id is not None:
        node = await session.scalar(
            select(TierNode).where(TierNode.id == node_id).execution_options(populate_existing=True)
        )
    if node is None or not viewer.in_scope(node.path):
        raise not_found("tier node", field)
    return node


async def settings_of(session: AsyncSession, node: TierNode) -> NodeSettingsValues:
    """The node's effective settings (own, else the nearest ancestor's)."""
    ids = node.ancestor_ids()
    rows = (await session.scalars(select(TierNode).where(TierNode.id.in_(ids)))).all() if ids else []
    by_id = {r.id: r for r in rows}
    return effective_settings([*(by_id[i] for i in ids if i in by_id), node])


def _check_text(problems: Problems, value: str | None, field: str, limit: int) -> str | None:
    if value is None:
        return None
    cleaned = value.strip()
    if not cleaned:
        problems.add(ErrorCode.INVALID, f"{field} must not be empty", field)
    elif len(cleaned) > limit:
        problems.add(ErrorCode.INVALID, f"{field} is longer than {limit} characters", field)
    return cleaned


async def create_tier_node(
    session: AsyncSession, viewer: Viewer, *, parent_id: int | None, code: str, name: str,
    kind: str, settings: dict[str, Any],
) -> TierNode:
    require(viewer, "tree.write")
    problems = Problems()
    code = _check_text(problems, code, "code", 64) or ""
    name = _check_text(problems, name, "name", 200) or ""
    kind = _check_text(problems, kind, "kind", 40) or ""
    own = clean_settings(settings, ["settings"], problems)
    problems.raise_if_any()
    await _check_program(session, own)
    await lock_tree(session, viewer.tenant_id)
    parent = await node_in_scope(session, viewer, parent_id, "parentId")
    if parent.depth + 1 > MAX_DEPTH:
        raise DomainError(ErrorCode.INVALID, f"the tree is at most {MAX_DEPTH} levels deep", "parentId")
    if await session.scalar(select(TierNode.id).where(TierNode.code == code)):
        raise DomainError(ErrorCode.CONFLICT, f"a node with code {code!r} exists", "code")
    node_id = new_id()  # the path ends with the node's own id
    node = TierNode(
        id=node_id, parent_id=parent.id, code=code, name=name, kind=kind,
        path=f"{parent.path}{path_segment(node_id)}/", depth=parent.depth + 1, **own,
    )
    session.add(node)
    await session.flush()
    emit(session, "TIER_NODE_CHANGED", subject=node, node_id=node.id,
         data={"change": "created", "parentId": parent.id, "code": code})
    return node


async def _check_program(session: AsyncSession, own: dict[str, Any]) -> None:
    program_id = own.get("membership_program_id")
    if program_id is not None and await session.get(MembershipProgram, (session.info["tenant_id"], program_id)) is None:
        raise DomainError(ErrorCode.NOT_FOUND, "membership program not found", ("settings", "membershipProgramId"))


async def update_tier_node(
    session: AsyncSession, viewer: Viewer, *, node_id: int | None, name: str | None = None,
    kind: str | None = None, settings: dict[str, Any],
) -> TierNode:
    require(viewer, "tree.write")
    problems = Problems()
    name = _check_text(problems, name, "name", 200)
    kind = _check_text(problems, kind, "kind", 40)
    own = clean_settings(settings, ["settings"], problems)
    problems.raise_if_any()
    await _check_program(session, own)
    await lock_tree(session, viewer.tenant_id)
    node = await node_in_scope(session, viewer, node_id)
    if node.parent_id is None:
        for key in REQUIRED_ON_ROOT:
            if key in own and own[key] is None:
                problems.add(ErrorCode.INVALID, f"the root must set {key}: others inherit it", ["settings", key])
        problems.raise_if_any()
    changes = {"name": name, "kind": kind}
    for key, value in changes.items():
        if value is not None:
            setattr(node, key, value)
    for key, value in own.items():
        setattr(node, key, value)
    state = inspect(node)
    changed = [k for k in (*changes, *SETTING_FIELDS) if state.attrs[k].history.has_changes()]
    await session.flush()
    if changed:
        emit(session, "TIER_NODE_CHANGED", subject=node, node_id=node.id,
             data={"change": "updated", "fields": changed})
    return node


async def move_tier_node(
    session: AsyncSession, viewer: Viewer, *, node_id: int | None, new_parent_id: int | None,
) -> TierNode:
    """Re-parent a subtree: one UPDATE rewrites the path prefix and depth of every node in it."""
    require(viewer, "tree.write")
    await lock_tree(session, viewer.tenant_id)
    node = await node_in_scope(session, viewer, node_id)
    parent = await node_in_scope(session, viewer, new_parent_id, "newParentId")
    if parent.path.startswith(node.path):
        raise DomainError(ErrorCode.CONFLICT, "a node cannot move under itself or its descendant", "newParentId")
    if node.parent_id == parent.id:
        return node
    old_path, new_path = node.path, f"{parent.path}{path_segment(node.id)}/"
    old_parent_id, old_depth = node.parent_id, node.depth
    delta = parent.depth + 1 - node.depth
    deepest = await session.scalar(select(func.max(TierNode.depth)).where(in_subtree(TierNode.path, old_path)))
    if (deepest or 0) + delta > MAX_DEPTH:
        raise DomainError(ErrorCode.INVALID, f"the tree is at most {MAX_DEPTH} levels deep", "newParentId")
    now = utcnow()
    moved = await session.execute(
        update(TierNode)
        .where(in_subtree(TierNode.path, old_path))
        .values(
            path=literal(new_path) + func.substr(TierNode.path, len(old_path) + 1),
            depth=TierNode.depth + delta,
            parent_id=case((TierNode.id == node.id, parent.id), else_=TierNode.parent_id),
            updated_at=now,
        )
        # No RETURNING of the subtree's keys ("fetch" read back all 1,001 of them): the few nodes
        # this session holds are moved in memory instead, the same way the UPDATE moves them.
        .execution_options(synchronize_session=False)
    )
    _moved_in_session(session, old_path, new_path, delta, node.id, parent.id, now)
    node = await node_in_scope(session, viewer, node.id)
    audit.record(
        session.sync_session, tenant_id=node.tenant_id, entity_type="TierNode", entity_id=node.id,
        changes={"parent_id": [old_parent_id, parent.id], "path": [old_path, new_path],
                 "depth": [old_depth, node.depth]},
    )
    emit(session, "TIER_NODE_CHANGED", subject=node, node_id=node.id,
         data={"change": "moved", "fromParentId": old_parent_id, "toParentId": parent.id,
               "subtreeSize": moved.rowcount})
    return node


def _moved_in_session(session: AsyncSession, old_path: str, new_path: str, delta: int, node_id: int,
                      parent_id: int, now: Any) -> None:
    """What the move's UPDATE did, applied to the subtree's nodes loaded in this session."""
    for obj in list(session.sync_session.identity_map.values()):
        loaded = isinstance(obj, TierNode) and "path" in obj.__dict__ and "depth" in obj.__dict__
        if not loaded or not obj.path.startswith(old_path):
            continue
        set_committed_value(obj, "path", new_path + obj.path[len(old_path):])
        set_committed_value(obj, "depth", obj.depth + delta)
        set_committed_value(obj, "updated_at", now)
        if obj.id == node_id:
            set_committed_value(obj, "parent_id", parent_id)


async def delete_tier_node(session: AsyncSession, viewer: Viewer, *, node_id: int | None) -> int:
    """Delete a node that holds nothing: no children, customers or staff."""
    require(viewer, "tree.write")
    await lock_tree(session, viewer.tenant_id)
    node = await node_in_scope(session, viewer, node_id)
    if node.parent_id is None:
        raise DomainError(ErrorCode.CONFLICT, "the root cannot be deleted", "id")
    has_children, has_customers, has_staff = (
        await session.execute(
            select(
                exists().where(TierNode.parent_id == node.id),
                exists().where(Customer.node_id == node.id),
                exists().where(Staff.scope_node_id == node.id),
            )
        )
    ).one()
    for busy, what in ((has_children, "children"), (has_customers, "customers"), (has_staff, "staff")):
        if busy:
            raise DomainError(ErrorCode.CONFLICT, f"the node still has {what}", "id")
    deleted_id = node.id
    try:
        async with session.begin_nested():
            await session.delete(node)
            await session.flush()
    except IntegrityError as exc:  # rows of other domains (orders, tickets...) still point here
        raise DomainError(ErrorCode.CONFLICT, "the node is still referenced", "id") from exc
    emit(session, "TIER_NODE_CHANGED", subject=node, node_id=deleted_id,
         data={"change": "deleted", "code": node.code})
    return deleted_id

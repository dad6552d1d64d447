"""Helpers shared by the tree and customer tests: nodes through the API or in bulk."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from db.base import new_id
from db.models.tree import TierNode, path_segment
from db.session import Database
from schema.relay import to_global_id

CREATE_NODE = """
mutation($input: CreateTierNodeInput!) {
  createTierNode(input: $input) { tierNode { id code depth } errors { field code message } }
}"""


def node_gid(pk: int) -> str:
    return to_global_id("TierNode", pk)


async def create_node(
    api: Any, parent: str | int, code: str, *, kind: str = "store", token: str | None = "default",
    **settings: Any,
) -> str:
    """A node under `parent` (global id or pk) through the API; returns its global id."""
    parent_id = node_gid(parent) if isinstance(parent, int) else parent
    data = await api.ok(CREATE_NODE, {"input": {
        "parentId": parent_id, "code": code, "name": code.title(), "kind": kind,
        "settings": settings or None,
    }}, token=token)
    payload = data["createTierNode"]
    assert payload["errors"] == [], payload
    return payload["tierNode"]["id"]


async def bulk_subtree(db: Database, tenant_id: int, parent_id: int, fanout: list[int]) -> int:
    """Insert a subtree below `parent_id` level by level (fanout[i] children per node); returns its size."""
    async with db.transaction(tenant_id=tenant_id) as session:
        parent = await session.scalar(select(TierNode).where(TierNode.id == parent_id))
        assert parent is not None
        level, total = [parent], 0
        for width in fanout:
            nxt = []
            for p in level:
                for i in range(width):
                    pk = new_id()
                    nxt.append(TierNode(
                        id=pk, parent_id=p.id, code=f"B-{pk}", name=f"bulk {i}", kind="counter",
                        path=f"{p.path}{path_segment(pk)}/", depth=p.depth + 1,
                    ))
            session.add_all(nxt)
            total += len(nxt)
            level = nxt
    return total


async def assert_tree_consistent(db: Database, tenant_id: int) -> list[TierNode]:
    """Every node's path is its parent's path plus its own segment, and its depth one more."""
    async with db.session(tenant_id=tenant_id) as session:
        nodes = (await session.scalars(select(TierNode))).all()
    by_id = {n.id: n for n in nodes}
    for n in nodes:
        if n.parent_id is None:
            assert n.path == f"/{path_segment(n.id)}/" and n.depth == 0
            continue
        parent = by_id[n.parent_id]
        assert n.path == f"{parent.path}{path_segment(n.id)}/", (n.code, n.path, parent.path)
        assert n.depth == parent.depth + 1, n.code
    return list(nodes)

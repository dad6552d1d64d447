"""moveTierNode: re-parenting whole subtrees, cycles, big subtrees, concurrent moves."""

from __future__ import annotations

import asyncio

from sqlalchemy import select

from db.models.core import AuditEntry, Event, Role
from db.models.tree import TierNode
from schema.relay import decode_id
from tests.conftest import Api, Tenant
from tests.tree.factories import assert_tree_consistent, bulk_subtree, create_node, node_gid

MOVE = """
mutation($id: ID!, $to: ID!) {
  moveTierNode(input: {id: $id, newParentId: $to}) {
    tierNode { code depth parent { code } ancestors { code } settings { currency } }
    errors { field code message }
  }
}"""


def _codes(data: dict) -> list[tuple[list[str] | None, str]]:
    return [(e["field"], e["code"]) for e in data["moveTierNode"]["errors"]]


async def test_move_reparents_the_subtree_and_its_settings_follow(api: Api, tenant: Tenant) -> None:
    # given
    eu = await create_node(api, tenant.root_id, "EU", kind="region", currency="EUR")
    uk = await create_node(api, tenant.root_id, "UK", kind="region", currency="GBP")
    de = await create_node(api, eu, "DE", kind="country")
    await create_node(api, de, "DE-1")
    # when
    data = await api.ok(MOVE, {"id": de, "to": uk})
    # then
    assert data["moveTierNode"] == {"errors": [], "tierNode": {
        "code": "DE", "depth": 2, "parent": {"code": "UK"},
        "ancestors": [{"code": "HQ"}, {"code": "UK"}], "settings": {"currency": "GBP"}}}
    nodes = {n.code: n for n in await assert_tree_consistent(api.db, tenant.id)}
    assert nodes["DE-1"].path.startswith(nodes["UK"].path) and nodes["DE-1"].depth == 3
    async with api.db.session(tenant_id=tenant.id) as session:
        event = await session.scalar(select(Event).where(Event.type == "TIER_NODE_CHANGED").order_by(Event.seq.desc()))
        audit = await session.scalar(select(AuditEntry).where(AuditEntry.operation == "moveTierNode"))
    assert event.data["change"] == "moved" and event.data["subtreeSize"] == 2
    assert audit.entity_id == nodes["DE"].id
    assert audit.changes["depth"] == [2, 2] and audit.changes["path"][1] == nodes["DE"].path


async def test_moving_under_itself_or_a_descendant_is_a_conflict(api: Api, tenant: Tenant) -> None:
    eu = await create_node(api, tenant.root_id, "EU", kind="region")
    de = await create_node(api, eu, "DE", kind="country")
    store = await create_node(api, de, "DE-1")
    for target in (eu, de, store):
        data = await api.ok(MOVE, {"id": eu, "to": target})
        assert _codes(data) == [(["newParentId"], "CONFLICT")]
    data = await api.ok(MOVE, {"id": node_gid(tenant.root_id), "to": store})
    assert _codes(data) == [(["newParentId"], "CONFLICT")]
    await assert_tree_consistent(api.db, tenant.id)


async def test_unknown_or_out_of_scope_nodes_are_not_found(api: Api, tenant: Tenant) -> None:
    eu = await create_node(api, tenant.root_id, "EU", kind="region")
    us = await create_node(api, tenant.root_id, "US", kind="region")
    store = await create_node(api, eu, "EU-1")
    assert _codes(await api.ok(MOVE, {"id": node_gid(1), "to": eu})) == [(["id"], "NOT_FOUND")]
    assert _codes(await api.ok(MOVE, {"id": store, "to": "bad"})) == [(["newParentId"], "NOT_FOUND")]
    manager = await api.make_staff(tenant, role=Role.MANAGER, scope_node_id=decode_id(eu, "TierNode"))
    data = await api.ok(MOVE, {"id": store, "to": us}, token=manager)
    assert _codes(data) == [(["newParentId"], "NOT_FOUND")]
    sales = await api.make_staff(tenant, role=Role.SALES, scope_node_id=decode_id(eu, "TierNode"))
    assert _codes(await api.ok(MOVE, {"id": store, "to": eu}, token=sales)) == [(None, "FORBIDDEN")]


async def test_move_of_a_subtree_with_1000_descendants(api: Api, tenant: Tenant) -> None:
    # given: 10 + 10*99 = 1,000 nodes below BIG
    big = await create_node(api, tenant.root_id, "BIG", kind="region")
    target = await create_node(api, tenant.root_id, "T", kind="region")
    deep = await create_node(api, target, "T-1", kind="country")
    size = await bulk_subtree(api.db, tenant.id, decode_id(big, "TierNode"), [10, 99])
    assert size == 1000
    # when
    data = await api.ok(MOVE, {"id": big, "to": deep})
    # then
    assert data["moveTierNode"]["errors"] == []
    assert data["moveTierNode"]["tierNode"]["depth"] == 3
    nodes = await assert_tree_consistent(api.db, tenant.id)
    big_row = next(n for n in nodes if n.code == "BIG")
    moved = [n for n in nodes if n.path.startswith(big_row.path) and n.id != big_row.id]
    assert len(moved) == 1000 and {n.depth for n in moved} == {4, 5}
    count = await api.ok("query($id: ID!) { node(id: $id) { ... on TierNode { descendants { totalCount } } } }",
                         {"id": deep})
    assert count["node"]["descendants"]["totalCount"] == 1001


async def test_concurrent_moves_never_corrupt_the_tree(api: Api, tenant: Tenant) -> None:
    # given: four regions, each with a small subtree
    regions = [await create_node(api, tenant.root_id, f"R{i}", kind="region") for i in range(4)]
    for region in regions:
        await bulk_subtree(api.db, tenant.id, decode_id(region, "TierNode"), [3, 2])
    # when: moves that cross each other (A under B while B under A) fire at once
    pairs = [(0, 1), (1, 0), (2, 3), (3, 2), (1, 2), (0, 3), (3, 1), (2, 0)]
    results = await asyncio.gather(*(api.ok(MOVE, {"id": regions[a], "to": regions[b]}) for a, b in pairs))
    # then: each move either happened or was refused as a cycle; the tree is consistent
    outcomes = [r["moveTierNode"]["errors"][0]["code"] if r["moveTierNode"]["errors"] else "OK" for r in results]
    assert set(outcomes) <= {"OK", "CONFLICT"} and "OK" in outcomes and "CONFLICT" in outcomes
    nodes = await assert_tree_consistent(api.db, tenant.id)
    assert len(nodes) == 1 + 4 * 10
    roots = [n for n in nodes if n.parent_id is None]
    assert len(roots) == 1
    async with api.db.session(tenant_id=tenant.id) as session:
        reachable = (await session.scalars(select(TierNode.id).where(TierNode.path.startswith(roots[0].path)))).all()
    assert len(reachable) == len(nodes)

"""Customer.timeline: newest first across kinds and equal timestamps, exact cursors, constant SQL."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update

from db.models.core import Role
from db.models.service import Ticket
from schema.relay import from_global_id
from tests.conftest import Api
from tests.orders.conftest import Chain, create_order

T = "2024-03-01T10:00:00+00:00"
EARLIER = "2024-03-01T09:00:00+00:00"
LATER = "2024-03-01T11:00:00+00:00"
LOG = """mutation($c: ID!, $at: DateTime!) { logInteraction(input: {customerId: $c, kind: NOTE, summary: "n",
  occurredAt: $at}) { interaction { id } } }"""
OPEN = """mutation($c: ID!) { openTicket(input: {customerId: $c, subject: "s", description: "d"}) { ticket { id } } }"""
TIMELINE = """query($id: ID!, $first: Int, $after: String) { node(id: $id) { ... on Customer {
  timeline(first: $first, after: $after) { totalCount pageInfo { hasNextPage hasPreviousPage endCursor }
    edges { cursor node { __typename ... on Order { id } ... on Ticket { id } ... on Interaction { id } } } } } } }"""


async def _history(api: Api, chain: Chain) -> list[tuple[str, str]]:
    """Alice's entries, expected newest first: (at desc, kind desc, id desc)."""
    alice = chain.customer("alice")
    entries: list[tuple[str, str, int, str]] = []  # (at, kind, pk, global id)

    def add(at: str, kind: str, gid: str) -> None:
        parsed = from_global_id(gid)
        assert parsed is not None
        entries.append((at, kind, parsed[1], gid))

    for at in (T, T, LATER):
        add(at, "Order", (await create_order(api, chain, placedAt=at))["order"]["id"])
    for at in (T, T, EARLIER):
        add(at, "Interaction", (await api.ok(LOG, {"c": alice, "at": at}))["logInteraction"]["interaction"]["id"])
    for _ in range(2):
        ticket_id = (await api.ok(OPEN, {"c": alice}))["openTicket"]["ticket"]["id"]
        add(T, "Ticket", ticket_id)
    async with api.db.transaction(tenant_id=chain.tenant.id) as session:
        await session.execute(update(Ticket).values(created_at=datetime.fromisoformat(T)))
    # noise: bob's entries at the same instant
    await create_order(api, chain, "bob", "DE-2", placedAt=T)
    await api.ok(LOG, {"c": chain.customer("bob"), "at": T})
    entries.sort(key=lambda e: (e[0], e[1], e[2]), reverse=True)
    return [(kind, gid) for _, kind, _, gid in entries]


async def _walk(api: Api, customer: str, first: int, token: str = "default") -> list[tuple[str, str]]:
    seen: list[tuple[str, str]] = []
    after = None
    while True:
        page = (await api.ok(TIMELINE, {"id": customer, "first": first, "after": after}, token=token))
        timeline = page["node"]["timeline"]
        seen += [(e["node"]["__typename"], e["node"]["id"]) for e in timeline["edges"]]
        assert timeline["pageInfo"]["hasPreviousPage"] is (after is not None)
        if not timeline["pageInfo"]["hasNextPage"]:
            return seen
        after = timeline["pageInfo"]["endCursor"]


async def test_timeline_pages_exactly_across_kinds_and_equal_times(api: Api, chain: Chain) -> None:
    # given
    expected = await _history(api, chain)
    # when / then: every page size yields the same sequence, no entry lost or repeated
    for size in (1, 2, 3, 8, 20):
        assert await _walk(api, chain.customer("alice"), size) == expected, size
    first = (await api.ok(TIMELINE, {"id": chain.customer("alice"), "first": 2}))["node"]["timeline"]
    assert first["totalCount"] == len(expected) == 8
    assert [e["node"]["__typename"] for e in first["edges"]] == ["Order", "Ticket"]


async def test_timeline_statements_do_not_grow_with_the_page(api: Api, chain: Chain) -> None:
    # given
    await _history(api, chain)
    alice = chain.customer("alice")
    cursor = (await api.ok(TIMELINE, {"id": alice, "first": 3}))["node"]["timeline"]["pageInfo"]["endCursor"]
    pages = [{"first": 2}, {"first": 8}, {"first": 20}, {"first": 3, "after": cursor}]
    # when
    costs = []
    for args in pages:
        variables = {"id": alice, **args}
        edges = (await api.ok(TIMELINE, variables))["node"]["timeline"]["edges"]
        kinds = len({e["node"]["__typename"] for e in edges})
        costs.append(await api.statements(TIMELINE, variables) - kinds)
    # then: the customer and its node, the union, the count, then one load per kind on the page
    assert costs == [4, 4, 4, 4]


async def test_timeline_hides_orders_of_stores_outside_the_scope(api: Api, chain: Chain) -> None:
    # given alice (of DE-1) bought at DE-1 and at DE-2
    here = (await create_order(api, chain, "alice", "DE-1"))["order"]["id"]
    await create_order(api, chain, "alice", "DE-2")
    sales = await api.make_staff(chain.tenant, role=Role.SALES, scope_node_id=chain.nodes["DE-1"].id)
    # when
    seen = await _walk(api, chain.customer("alice"), 5, token=sales)
    orders = await api.ok("query($id: ID!) { node(id: $id) { ... on Customer { orders { totalCount } } } }",
                          {"id": chain.customer("alice")}, token=sales)
    # then
    assert seen == [("Order", here)]
    assert orders["node"]["orders"]["totalCount"] == 1


async def test_malformed_cursor_is_a_clear_error(api: Api, chain: Chain) -> None:
    body = await api.post(TIMELINE, {"id": chain.customer("alice"), "first": 2, "after": "bm9wZQ"})
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"

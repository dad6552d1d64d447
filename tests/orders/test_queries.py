"""Query.orders filters, Customer.orders/lifetimeValue, rollup parts, and SQL statement counts."""

from __future__ import annotations

from decimal import Decimal

from db.models.core import Role, Staff
from resolvers.core.auth import viewer_of
from resolvers.orders import orders
from tests.conftest import Api
from tests.orders.conftest import Chain, create_order, transition

ORDERS_PAGE = """query($first: Int!) { orders(first: $first) { edges { node {
  number status total { amount currency } totalReporting { amount }
  lines { sku quantity unitPrice { amount } total { amount } }
  customer { name lifetimeValue { amount } } store { code } } } } }"""
CUSTOMERS = """query($ids: [ID!]!, $first: Int!) { nodes(ids: $ids) { ... on Customer { name
  lifetimeValue { amount currency }
  orders(first: $first) { totalCount edges { node { number lines { sku } store { code } } } }
  timeline(first: $first) { edges { node { __typename ... on Order { number lines { sku } } } } } } } }"""
FILTER = """query($status: [OrderStatus!], $node: ID, $customer: ID) {
  orders(status: $status, nodeId: $node, customerId: $customer, first: 100) { totalCount edges { node { number } } } }"""


async def _seed_orders(api: Api, chain: Chain, n: int) -> None:
    """n orders of two lines over the three customers, through the service in one transaction."""
    async with api.db.transaction(tenant_id=chain.tenant.id) as session:
        admin = await session.get(Staff, (chain.tenant.id, chain.tenant.admin_id))
        assert admin is not None
        viewer = viewer_of(admin, chain.nodes["HQ"].path, reporting_currency="EUR")
        spots = [("alice", "DE-1", "9.50"), ("bob", "DE-2", "12.25"), ("yuki", "JP-1", "1500")]
        for i in range(n):
            name, store, price = spots[i % 3]
            lines = [orders.LineInput(sku=f"S{i}-{k}", name="Item", quantity=k + 1, unit_price=Decimal(price))
                     for k in range(2)]
            await orders.create_order(session, viewer, customer_id=chain.customers[name].id,
                                      store_id=chain.nodes[store].id, lines=lines)


async def test_statement_count_of_50_orders_does_not_depend_on_page_size(api: Api, chain: Chain) -> None:
    # given
    await _seed_orders(api, chain, 50)
    # when
    small = await api.statements(ORDERS_PAGE, {"first": 10})
    large = await api.statements(ORDERS_PAGE, {"first": 50})
    data = await api.ok(ORDERS_PAGE, {"first": 50})
    # then: page, lines, customers, lifetime values, stores
    assert small == large == 5
    assert len(data["orders"]["edges"]) == 50
    assert all(len(e["node"]["lines"]) == 2 for e in data["orders"]["edges"])


async def test_statement_count_of_customers_with_orders_and_timelines(api: Api, chain: Chain) -> None:
    # given
    await _seed_orders(api, chain, 50)
    everyone = [chain.customer(n) for n in ("alice", "bob", "yuki")]
    # when
    one = await api.statements(CUSTOMERS, {"ids": everyone[:1], "first": 5})
    three = await api.statements(CUSTOMERS, {"ids": everyone, "first": 20})
    data = await api.ok(CUSTOMERS, {"ids": everyone, "first": 20})
    # then
    assert one == three
    assert [c["orders"]["totalCount"] for c in data["nodes"]] == [17, 17, 16]
    assert [len(c["timeline"]["edges"]) for c in data["nodes"]] == [17, 17, 16]


async def test_lifetime_value_is_paid_and_fulfilled_net_of_refunds(api: Api, chain: Chain) -> None:
    # given five orders of alice in each final or open state
    ids = []
    for price in ("10.00", "5.00", "7.00", "3.00", "2.00"):
        payload = await create_order(api, chain, lines=[{"sku": "A", "name": "A", "quantity": 1, "unitPrice": price}])
        ids.append(payload["order"]["id"])
    paid, fulfilled, refunded, _pending, cancelled = ids
    for order_id, ops in ((paid, ["payOrder"]), (fulfilled, ["payOrder", "fulfillOrder"]),
                          (refunded, ["payOrder", "refundOrder"]), (cancelled, ["cancelOrder"])):
        for op in ops:
            assert (await transition(api, op, order_id))["errors"] == []
    # also a yen order of alice: 1000 JPY = 6.10 EUR
    yen = await create_order(api, chain, "alice", "JP-1", lines=[{"sku": "T", "name": "T", "quantity": 1,
                                                                    "unitPrice": "1000"}])
    await transition(api, "payOrder", yen["order"]["id"])
    # when
    data = await api.ok("query($id: ID!) { node(id: $id) { ... on Customer { lifetimeValue { amount currency } "
                        "orders(status: [PAID, FULFILLED]) { totalCount } } } }", {"id": chain.customer("alice")})
    # then
    assert data["node"]["lifetimeValue"] == {"amount": "21.10", "currency": "EUR"}
    assert data["node"]["orders"]["totalCount"] == 3


async def test_orders_filter_by_status_subtree_and_customer(api: Api, chain: Chain) -> None:
    # given
    made = {}
    for name, store in (("alice", "DE-1"), ("bob", "DE-2"), ("yuki", "JP-1")):
        made[name] = (await create_order(api, chain, name, store, lines=[
            {"sku": "A", "name": "A", "quantity": 1, "unitPrice": "100"}]))["order"]["number"]
    await transition(api, "payOrder", (await create_order(api, chain, "bob", "DE-2"))["order"]["id"])

    async def numbers(**variables: object) -> list[str]:
        data = await api.ok(FILTER, variables)
        return sorted(e["node"]["number"] for e in data["orders"]["edges"])

    # when / then
    assert await numbers(node=chain.node("DE")) == sorted([made["alice"], made["bob"], "O-000004"])
    assert await numbers(node=chain.node("JP-1")) == [made["yuki"]]
    assert await numbers(status=["PAID"]) == ["O-000004"]
    assert await numbers(status=["PENDING"], customer=chain.customer("bob")) == [made["bob"]]
    assert await numbers(node="bm9wZQ") == []
    sales = await api.make_staff(chain.tenant, role=Role.SALES, scope_node_id=chain.nodes["DE-1"].id)
    outside = await api.ok(FILTER, {"node": chain.node("JP")}, token=sales)
    assert outside["orders"]["totalCount"] == 0


ROLLUP = """query($ids: [ID!]!, $from: DateTime) { nodes(ids: $ids) { ... on TierNode { code
  rollup(from: $from) { orderCount revenue { amount currency } openTicketCount } } } }"""


async def test_rollup_parts_sum_in_sql(api: Api, chain: Chain) -> None:
    # given: paid 100 EUR at DE-1 (in 2023), paid 1000 JPY at JP-1, a pending order, an open ticket of alice
    for name, store, price, placed in (("alice", "DE-1", "100", "2023-05-01T10:00:00Z"),
                                       ("yuki", "JP-1", "1000", None), ("bob", "DE-2", "1", None)):
        payload = await create_order(api, chain, name, store, placedAt=placed, lines=[
            {"sku": "A", "name": "A", "quantity": 1, "unitPrice": price}])
        if name != "bob":
            await transition(api, "payOrder", payload["order"]["id"])
    await api.ok('mutation($c: ID!) { openTicket(input: {customerId: $c, subject: "s", description: "d"}) '
                 '{ errors { code } } }', {"c": chain.customer("alice")})
    ids = [chain.node(code) for code in ("HQ", "DE", "JP")]
    # when
    everything = (await api.ok(ROLLUP, {"ids": ids}))["nodes"]
    this_year = (await api.ok(ROLLUP, {"ids": ids, "from": "2024-01-01T00:00:00Z"}))["nodes"]
    statements = await api.statements(ROLLUP, {"ids": ids})

    # then
    def table(nodes: list[dict]) -> dict[str, tuple[int, str, int]]:
        return {n["code"]: (n["rollup"]["orderCount"], n["rollup"]["revenue"]["amount"],
                            n["rollup"]["openTicketCount"]) for n in nodes}

    assert table(everything) == {"HQ": (2, "106.10", 1), "DE": (1, "100.00", 1), "JP": (1, "6.10", 0)}
    assert table(this_year) == {"HQ": (1, "6.10", 1), "DE": (0, "0.00", 1), "JP": (1, "6.10", 0)}
    assert everything[0]["rollup"]["revenue"]["currency"] == "EUR"
    assert statements == 2  # the nodes, then every rollup part of every node in one statement

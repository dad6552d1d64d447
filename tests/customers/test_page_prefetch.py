"""A customers page prefetches node, membership and orders for the whole page
(schema/customers/types.py prefetch_page): same answers as the per-customer path,
statements constant in the page size, aliases and fragments included."""

from __future__ import annotations

from decimal import Decimal

from db.models.core import Staff
from resolvers.core.auth import viewer_of
from resolvers.orders import orders
from tests.conftest import Api, Tenant
from tests.orders.conftest import Chain, build_chain

PAGE = """query($first: Int!) { customers(first: $first, orderBy: {field: NAME, direction: ASC}) { edges { node {
  ...Card
  recent: orders(first: 1) { edges { node { number } } }
  paid: orders(first: 5, status: [PAID]) { edges { node { number } } }
} } } }
fragment Card on Customer {
  id name node { code } membership { pointsBalance tier { name } }
  orders(first: 3) { totalCount edges { node { number total { amount currency } } } }
}"""
ONE = """query($id: ID!) { customer(id: $id) {
  id name node { code } membership { pointsBalance tier { name } }
  orders(first: 3) { totalCount edges { node { number total { amount currency } } } }
  recent: orders(first: 1) { edges { node { number } } }
  paid: orders(first: 5, status: [PAID]) { edges { node { number } } }
} }"""


async def _seed(api: Api, chain: Chain, n: int) -> None:
    async with api.db.transaction(tenant_id=chain.tenant.id) as session:
        admin = await session.get(Staff, (chain.tenant.id, chain.tenant.admin_id))
        assert admin is not None
        viewer = viewer_of(admin, chain.nodes["HQ"].path, reporting_currency="EUR")
        spots = [("alice", "DE-1", "9.50"), ("bob", "DE-2", "12.25"), ("yuki", "JP-1", "1500")]
        for i in range(n):
            name, store, price = spots[i % 3]
            lines = [orders.LineInput(sku=f"S{i}", name="Item", quantity=1, unit_price=Decimal(price))]
            await orders.create_order(session, viewer, customer_id=chain.customers[name].id,
                                      store_id=chain.nodes[store].id, lines=lines)


async def test_a_prefetched_page_answers_like_each_customer_alone(api: Api, tenant: Tenant) -> None:
    # given
    chain = await build_chain(api, tenant, {"JPY": "0.0061"})
    await _seed(api, chain, 8)
    # when
    page = await api.ok(PAGE, {"first": 3})
    # then
    nodes = [e["node"] for e in page["customers"]["edges"]]
    assert [n["name"] for n in nodes] == ["Alice", "Bob", "Yuki"]
    for node in nodes:
        alone = (await api.ok(ONE, {"id": node["id"]}))["customer"]
        assert node == alone
    assert [n["node"]["code"] for n in nodes] == ["DE-1", "DE-2", "JP-1"]
    assert [n["orders"]["totalCount"] for n in nodes] == [3, 3, 2]
    assert [len(n["orders"]["edges"]) for n in nodes] == [3, 3, 2]
    assert all(len(n["recent"]["edges"]) == 1 for n in nodes)
    assert nodes[0]["recent"]["edges"][0] == {"node": {"number": nodes[0]["orders"]["edges"][0]["node"]["number"]}}


async def test_statements_of_a_prefetched_page_do_not_grow_with_it(api: Api, tenant: Tenant) -> None:
    chain = await build_chain(api, tenant, {"JPY": "0.0061"})
    await _seed(api, chain, 6)
    assert await api.statements(PAGE, {"first": 1}) == await api.statements(PAGE, {"first": 3})


async def test_an_orders_error_is_reported_at_the_orders_fields_not_the_page(api: Api, tenant: Tenant) -> None:
    # given
    chain = await build_chain(api, tenant, {"JPY": "0.0061"})
    await _seed(api, chain, 3)
    query = ("query($first: Int!) { customers(first: 3) { edges { node { name "
             "orders(first: $first) { edges { node { number } } } } } } }")
    # when: a page size the orders field refuses (the prefetch must not raise it at `customers`)
    body = await api.post(query, {"first": 1000})
    # then: the error is the orders field's, as without the prefetch
    paths = [err["path"] for err in body["errors"]]
    assert paths and all(p[0] == "customers" and p[-1] == "orders" and len(p) == 5 for p in paths), paths
    assert {err["extensions"]["code"] for err in body["errors"]} == {"BAD_USER_INPUT"}


COUNTED = """query($after: String) { customers(first: 3, orderBy: {field: NAME, direction: ASC}) { edges { node {
  name orders(first: 2, after: $after) { %s edges { node { number } } } } } } }"""


async def test_a_nested_pages_total_count_comes_with_its_rows(api: Api, tenant: Tenant) -> None:
    # given: 3, 3 and 2 orders
    chain = await build_chain(api, tenant, {"JPY": "0.0061"})
    await _seed(api, chain, 8)
    # when / then: without a cursor the window statement counts each partition: no count statement
    assert await api.statements(COUNTED % "totalCount") == await api.statements(COUNTED % "")
    page = await api.ok(COUNTED % "totalCount")
    assert [e["node"]["orders"]["totalCount"] for e in page["customers"]["edges"]] == [3, 3, 2]
    # after a cursor the partition holds only the rows after it: the count is its own statement
    cursor = (await api.ok(COUNTED % "pageInfo { endCursor }"))["customers"]["edges"][0]["node"]["orders"]["pageInfo"]["endCursor"]
    after = await api.ok(COUNTED % "totalCount", {"after": cursor})
    assert [e["node"]["orders"]["totalCount"] for e in after["customers"]["edges"]] == [3, 3, 2]
    assert [len(e["node"]["orders"]["edges"]) for e in after["customers"]["edges"]][0] == 1
    assert await api.statements(COUNTED % "totalCount", {"after": cursor}) == (
        await api.statements(COUNTED % "", {"after": cursor}) + 1)

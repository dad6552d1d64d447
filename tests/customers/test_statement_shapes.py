"""Statements built once per shape (resolvers/common/shapes.py): a nested page's select is
reused across requests with its parameters (parents, size, cursors, criteria values) given
per request, and answers like a freshly built one; cursors are encoded only when selected."""

from __future__ import annotations

from resolvers.common import batch, paging
from tests.conftest import Api, Tenant
from tests.customers.test_page_prefetch import PAGE, _seed
from tests.orders.conftest import build_chain

ORDERS = """query($id: ID!, $after: String, $status: [OrderStatus!]) { customer(id: $id) {
  orders(first: 1, after: $after, status: $status) {
    edges { cursor node { number status } } pageInfo { hasNextPage startCursor endCursor } } } }"""
ALL = """query($id: ID!, $status: [OrderStatus!]) { customer(id: $id) {
  orders(first: 20, status: $status) { edges { node { number } } } } }"""


async def _walk(api: Api, customer: str, status: list[str] | None) -> list[str]:
    """The customer's orders one page of 1 at a time, by each page's endCursor."""
    numbers: list[str] = []
    after = None
    while True:
        page = (await api.ok(ORDERS, {"id": customer, "after": after, "status": status}))["customer"]["orders"]
        edges, info = page["edges"], page["pageInfo"]
        assert len(edges) == 1 and info["startCursor"] == info["endCursor"] == edges[0]["cursor"]
        numbers.append(edges[0]["node"]["number"])
        if not info["hasNextPage"]:
            return numbers
        after = info["endCursor"]


async def test_a_reused_page_statement_answers_each_request_with_its_own_values(api: Api, tenant: Tenant) -> None:
    # given: alice has 3 orders (the seed's 0th, 3rd and 6th)
    chain = await build_chain(api, tenant, {"JPY": "0.0061"})
    await _seed(api, chain, 7)
    alice = chain.customer("alice")
    everything = [e["node"]["number"] for e in (await api.ok(ALL, {"id": alice}))["customer"]["orders"]["edges"]]
    assert len(everything) == 3
    # when: walked page by page (one shape with `after`, other cursor values each time), twice
    walked = [await _walk(api, alice, None) for _ in range(2)]
    # then
    assert walked == [everything, everything]
    # and criteria of one structure with other values are another statement, not the first's
    assert await _walk(api, alice, ["PENDING"]) == everything  # new orders are PENDING
    for status in (["CANCELLED"], ["PENDING"], ["PAID"]):
        found = (await api.ok(ALL, {"id": alice, "status": status}))["customer"]["orders"]["edges"]
        assert len(found) == (3 if status == ["PENDING"] else 0), status


async def test_a_repeated_page_builds_no_new_statement_and_runs_as_many(api: Api, tenant: Tenant) -> None:
    chain = await build_chain(api, tenant, {"JPY": "0.0061"})
    await _seed(api, chain, 6)
    first = await api.statements(PAGE, {"first": 3})
    shapes = (len(paging._PAGES.found), len(paging._COUNTS.found), len(batch._BY_ID), len(batch._BY))
    # when
    again = await api.statements(PAGE, {"first": 3})
    # then
    assert again == first
    assert (len(paging._PAGES.found), len(paging._COUNTS.found), len(batch._BY_ID), len(batch._BY)) == shapes

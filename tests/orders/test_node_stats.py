"""All-time rollups read the trigger-kept node counters; they must equal a scan of the rows.

A rollup with a period scans the rows (resolvers/rollups.py parts); from 1970 on
it counts everything, so it is the brute-force answer the counters must match
after every kind of write: inserts, conditional status UPDATEs, a customer
moving store with her membership and open ticket, parallel payments.
"""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import update

from cli.main import main
from db import node_stats
from db.models.tree import NodeStats
from resolvers.orders.queries import SALES
from resolvers.service.tickets import UNRESOLVED
from tests.conftest import Api
from tests.orders.conftest import Chain, create_order, transition

ROLLUP = """query($id: ID!, $from: DateTime) { node(id: $id) { ... on TierNode {
  rollup(from: $from) { customerCount memberCount orderCount openTicketCount revenue { amount } } } } }"""
PROGRAM = """mutation { createMembershipProgram(input: {name: "Club", currency: "EUR", pointsPerUnit: "1",
  tiers: [{name: "Green", rank: 0, threshold: 0}]}) { membershipProgram { id } } }"""
ENROLL = """mutation($c: ID!, $p: ID!) { enrollMember(input: {customerId: $c, programId: $p}) { errors { code } } }"""
OPEN = """mutation($c: ID!) { openTicket(input: {customerId: $c, subject: "Zip", description: "Broken zip"}) {
  ticket { id } errors { code } } }"""
RESOLVE = """mutation($id: ID!) { updateTicket(input: {id: $id, status: RESOLVED}) { errors { code } } }"""
MOVE = """mutation($id: ID!, $n: ID!) { updateCustomer(input: {id: $id, nodeId: $n}) { errors { code } } }"""
EPOCH = "1970-01-01T00:00:00Z"


async def _rollups(api: Api, chain: Chain) -> dict[str, tuple[dict, dict]]:
    out = {}
    for code in chain.nodes:
        counters = (await api.ok(ROLLUP, {"id": chain.node(code)}))["node"]["rollup"]
        scanned = (await api.ok(ROLLUP, {"id": chain.node(code), "from": EPOCH}))["node"]["rollup"]
        out[code] = (counters, scanned)
    return out


async def test_counters_equal_the_scan_after_every_kind_of_write(api: Api, chain: Chain) -> None:
    # given memberships, orders in every state, tickets open and resolved
    program = (await api.ok(PROGRAM))["createMembershipProgram"]["membershipProgram"]["id"]
    for name in ("alice", "yuki"):
        assert (await api.ok(ENROLL, {"c": chain.customer(name), "p": program}))["enrollMember"]["errors"] == []
    yen = [{"sku": "SKU-2", "name": "Tea", "quantity": 1, "unitPrice": "1000"}]
    created = [await create_order(api, chain, c, s, **({"lines": yen} if s == "JP-1" else {}))
               for c, s in (("alice", "DE-1"), ("alice", "DE-1"), ("bob", "DE-2"), ("yuki", "JP-1"), ("bob", "DE-1"))]
    assert [c["errors"] for c in created] == [[]] * 5
    orders = [c["order"]["id"] for c in created]
    for order_id in orders[:4]:
        assert (await transition(api, "payOrder", order_id))["errors"] == []
    assert (await transition(api, "refundOrder", orders[1]))["errors"] == []
    assert (await transition(api, "cancelOrder", orders[4]))["errors"] == []
    tickets = [(await api.ok(OPEN, {"c": chain.customer(c)}))["openTicket"]["ticket"]["id"] for c in ("alice", "alice", "bob")]
    assert (await api.ok(RESOLVE, {"id": tickets[1]}))["updateTicket"]["errors"] == []
    # when alice moves to the other store with her membership and open ticket
    assert (await api.ok(MOVE, {"id": chain.customer("alice"), "n": chain.node("DE-2")}))["updateCustomer"]["errors"] == []
    rollups = await _rollups(api, chain)
    # then
    for code, (counters, scanned) in rollups.items():
        assert counters == scanned, code
    de1, de2, hq = rollups["DE-1"][0], rollups["DE-2"][0], rollups["HQ"][0]
    assert (de1["customerCount"], de1["memberCount"], de1["orderCount"], de1["openTicketCount"]) == (0, 0, 1, 0)
    assert (de2["customerCount"], de2["memberCount"], de2["orderCount"], de2["openTicketCount"]) == (2, 1, 1, 2)
    assert de1["revenue"]["amount"] == "39.98"  # orders stay with the store they were placed at
    assert (hq["customerCount"], hq["memberCount"], hq["orderCount"], hq["openTicketCount"]) == (3, 2, 3, 2)


async def test_parallel_payments_at_one_store_all_count(api: Api, chain: Chain) -> None:
    # given
    orders = [(await create_order(api, chain))["order"]["id"] for _ in range(8)]
    # when
    results = await asyncio.gather(*(transition(api, "payOrder", o) for o in orders))
    # then
    assert all(r["errors"] == [] for r in results)
    counters, scanned = (await _rollups(api, chain))["DE-1"]
    assert counters == scanned
    assert counters["orderCount"] == 8 and counters["revenue"]["amount"] == "319.84"


def test_trigger_statuses_are_the_domain_definitions() -> None:
    assert set(node_stats.SALES) == {s.value for s in SALES}
    assert set(node_stats.UNRESOLVED) == {s.value for s in UNRESOLVED}


async def test_cli_rebuild_repairs_counters_written_around_the_triggers(
    api: Api, chain: Chain, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    # given counters gone wrong (as if written with the triggers disabled)
    order = (await create_order(api, chain))["order"]["id"]
    assert (await transition(api, "payOrder", order))["errors"] == []
    async with api.db.transaction(all_tenants=True) as session:
        await session.execute(update(NodeStats).values(order_count=7, customer_count=0))
    wrong = (await _rollups(api, chain))["HQ"]
    monkeypatch.setenv("CANOPY_DATABASE_URL", api.db.url)
    # when
    status = await asyncio.to_thread(main, ["stats", "rebuild", "--tenant", chain.tenant.slug])
    # then
    counters, scanned = (await _rollups(api, chain))["HQ"]
    assert wrong[0] != wrong[1] and status == 0
    assert counters == scanned and counters["orderCount"] == 1 and counters["customerCount"] == 3
    out = capsys.readouterr().out
    assert out.startswith("rebuilt the counters of 3 nodes; 3 differed")  # the three stores

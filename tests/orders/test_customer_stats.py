"""The per-customer paid-sales rollup (customer_order_stats, db/customer_stats.py) stays exact.

After every kind of order write it must equal what the API computes from the orders:
Customer.lifetimeValue (an aggregate over them) and the customer's PAID/FULFILLED orders
(count, first and last placedAt); a customer without such orders has no row.
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select, update

from cli.main import main
from db import customer_stats
from db.models.orders import CustomerOrderStats
from schema.relay import to_global_id
from tests.conftest import Api
from tests.orders.conftest import Chain, create_order, transition

CUSTOMER = """query($id: ID!, $c: ID!) { node(id: $id) { ... on Customer { lifetimeValue { amount } } }
  orders(customerId: $c, status: [PAID, FULFILLED], first: 100) { edges { node { placedAt } } } }"""
MERGE = """mutation($a: ID!, $b: ID!) { mergeCustomers(input: {survivorId: $a, mergedIds: [$b]}) { errors { code } } }"""
ERASE = """mutation($id: ID!) { eraseCustomer(input: {id: $id}) { errors { code } } }"""


async def rollup_rows(api: Api, tenant_id: int) -> dict[int, tuple[int, int, datetime, datetime]]:
    async with api.db.session(all_tenants=True) as session:
        rows = (await session.execute(select(CustomerOrderStats).where(CustomerOrderStats.tenant_id == tenant_id)
                                      )).scalars().all()
        assert (await customer_stats.differences(session, tenant_id))[2] == []  # equal to the order scan
    return {r.customer_id: (r.lifetime_value, r.order_count, r.first_order_at, r.last_order_at) for r in rows}


async def assert_exact(api: Api, tenant_id: int, customer_ids: list[int]) -> dict[int, Any]:
    """Each customer's rollup row against the API's aggregates over its orders."""
    rows = await rollup_rows(api, tenant_id)
    for cid in customer_ids:
        gid = to_global_id("Customer", cid)
        data = await api.ok(CUSTOMER, {"id": gid, "c": gid})
        placed = [datetime.fromisoformat(e["node"]["placedAt"]) for e in data["orders"]["edges"]]
        value = int(Decimal(data["node"]["lifetimeValue"]["amount"]) * 100)  # EUR reporting currency
        expected = (value, len(placed), min(placed), max(placed)) if placed else None
        assert rows.get(cid) == expected, cid
    return rows


async def test_rollup_is_exact_after_create_pay_refund_cancel_merge_and_erase(api: Api, chain: Chain) -> None:
    tenant_id = chain.tenant.id
    ids = [c.id for c in chain.customers.values()]
    yen = [{"sku": "SKU-2", "name": "Tea", "quantity": 1, "unitPrice": "1000"}]
    # given orders created (pending: no sale yet)
    created = [await create_order(api, chain, c, s, placedAt=at, **({"lines": yen} if s == "JP-1" else {}))
               for c, s, at in (("alice", "DE-1", "2026-01-05T10:00:00Z"), ("alice", "DE-1", "2026-02-05T10:00:00Z"),
                                ("alice", "DE-2", "2026-03-05T10:00:00Z"), ("bob", "DE-2", "2025-12-01T10:00:00Z"),
                                ("yuki", "JP-1", "2026-01-10T10:00:00Z"))]
    assert [c["errors"] for c in created] == [[]] * 5
    orders = [c["order"]["id"] for c in created]
    assert await assert_exact(api, tenant_id, ids) == {}
    # when paid (yuki's in JPY, summed in EUR)
    for order_id in orders[:2] + orders[3:]:
        assert (await transition(api, "payOrder", order_id))["errors"] == []
    rows = await assert_exact(api, tenant_id, ids)
    assert rows[chain.customers["alice"].id][:2] == (3998 * 2, 2)
    # when alice's latest paid order is refunded, her pending one cancelled, bob's fulfilled
    assert (await transition(api, "refundOrder", orders[1]))["errors"] == []
    assert (await transition(api, "cancelOrder", orders[2]))["errors"] == []
    assert (await transition(api, "fulfillOrder", orders[3]))["errors"] == []
    rows = await assert_exact(api, tenant_id, ids)
    alice = rows[chain.customers["alice"].id]
    assert alice[:2] == (3998, 1) and alice[2] == alice[3] == datetime.fromisoformat("2026-01-05T10:00:00+00:00")
    # when bob is merged into alice: his orders move to her
    merged = await api.ok(MERGE, {"a": chain.customer("alice"), "b": chain.customer("bob")})
    assert merged["mergeCustomers"]["errors"] == []
    rows = await assert_exact(api, tenant_id, ids)
    assert chain.customers["bob"].id not in rows
    assert rows[chain.customers["alice"].id][1:3] == (2, datetime.fromisoformat("2025-12-01T10:00:00+00:00"))
    # when alice is erased (her orders stay, anonymised)
    assert (await api.ok(ERASE, {"id": chain.customer("alice")}))["eraseCustomer"]["errors"] == []
    await assert_exact(api, tenant_id, ids)


async def test_parallel_payments_and_refunds_of_one_customer_all_count(api: Api, chain: Chain) -> None:
    # when eight orders of alice are created, then paid, in parallel (placed at distinct times)
    created = await asyncio.gather(*(create_order(api, chain) for _ in range(8)))
    assert all(c["errors"] == [] for c in created)
    paid = await asyncio.gather(*(transition(api, "payOrder", c["order"]["id"]) for c in created))
    assert all(p["errors"] == [] for p in paid)
    rows = await assert_exact(api, chain.tenant.id, [chain.customers["alice"].id])
    assert rows[chain.customers["alice"].id][:2] == (8 * 3998, 8)
    # when the first and the last four are refunded in parallel (the bounds recomputed)
    refunded = await asyncio.gather(*(transition(api, "refundOrder", c["order"]["id"]) for c in created[:2] + created[5:]))
    assert all(r["errors"] == [] for r in refunded)
    # then
    rows = await assert_exact(api, chain.tenant.id, [chain.customers["alice"].id])
    assert rows[chain.customers["alice"].id][:2] == (3 * 3998, 3)


async def test_stats_rebuild_checks_and_repairs_the_rollup(
    api: Api, chain: Chain, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    # given a rollup row gone wrong (as if written around the triggers)
    order = (await create_order(api, chain))["order"]["id"]
    assert (await transition(api, "payOrder", order))["errors"] == []
    async with api.db.transaction(all_tenants=True) as session:
        await session.execute(update(CustomerOrderStats).values(lifetime_value=1))
    monkeypatch.setenv("CANOPY_DATABASE_URL", api.db.url)
    # when checked, then rebuilt
    checked = await asyncio.to_thread(main, ["stats", "rebuild", "--check", "--tenant", chain.tenant.slug])
    assert checked == 1 and "order rollup of 1 customers; 1 differed" in capsys.readouterr().out
    assert await asyncio.to_thread(main, ["stats", "rebuild", "--tenant", chain.tenant.slug]) == 0
    # then
    rows = await assert_exact(api, chain.tenant.id, [chain.customers["alice"].id])
    assert rows[chain.customers["alice"].id][:2] == (3998, 1)

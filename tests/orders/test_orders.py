"""createOrder, the order status machine, idempotency, concurrency, scope and bad input."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select

from db.models.core import Event, IdempotencyKey, Role
from db.models.orders import Order, OrderLine
from resolvers.membership import loyalty
from tests.conftest import Api
from tests.orders.conftest import Chain, count, create_order, transition

PAY_WITH_KEY = """mutation($id: ID!, $key: String) { payOrder(input: {id: $id, idempotencyKey: $key}) {
  order { id status pointsEarned } errors { field code message } } }"""

# status reached -> the operations that lead there from PENDING
PATHS = {
    "PENDING": [],
    "PAID": ["payOrder"],
    "FULFILLED": ["payOrder", "fulfillOrder"],
    "CANCELLED": ["cancelOrder"],
    "REFUNDED": ["payOrder", "refundOrder"],
}
ALLOWED = {"PENDING": {"payOrder", "cancelOrder"}, "PAID": {"fulfillOrder", "refundOrder"},
           "FULFILLED": {"refundOrder"}, "CANCELLED": set(), "REFUNDED": set()}
OPS = ["payOrder", "fulfillOrder", "cancelOrder", "refundOrder"]


async def _events(api: Api, type_: str) -> int:
    return await count(api, Event, Event.type == type_)


async def test_create_order_in_euros_stores_cents(api: Api, chain: Chain) -> None:
    # when: DE-1 has no currency of its own; its country DE says EUR
    payload = await create_order(api, chain, lines=[
        {"sku": "MUG", "name": "Mug", "quantity": 2, "unitPrice": "19.99"},
        {"sku": "PEN", "name": "Pen", "quantity": 1, "unitPrice": "0.01"},
    ])
    # then
    assert payload["errors"] == []
    order = payload["order"]
    assert order["currency"] == "EUR"
    assert order["number"] == "O-000001"
    assert order["subtotal"] == {"amount": "39.99", "currency": "EUR"}
    assert order["total"] == {"amount": "39.99", "currency": "EUR"}
    assert order["totalReporting"] == {"amount": "39.99", "currency": "EUR"}
    assert order["status"] == "PENDING"
    assert [line["total"]["amount"] for line in order["lines"]] == ["39.98", "0.01"]
    async with api.db.session(all_tenants=True) as session:
        row = (await session.scalars(select(Order))).one()
        lines = (await session.scalars(select(OrderLine).order_by(OrderLine.position))).all()
    assert (row.subtotal_minor, row.total_minor, row.total_reporting_minor) == (3999, 3999, 3999)
    assert [(x.unit_price_minor, x.quantity, x.total_minor) for x in lines] == [(1999, 2, 3998), (1, 1, 1)]
    assert await _events(api, "ORDER_PLACED") == 1


async def test_create_order_in_yen_has_no_minor_digits_and_converts(api: Api, chain: Chain) -> None:
    # when: JP-1 inherits JPY; 1 JPY = 0.0061 EUR
    payload = await create_order(api, chain, "yuki", "JP-1", lines=[
        {"sku": "TEA", "name": "Tea", "quantity": 3, "unitPrice": "1200"},
    ])
    # then
    order = payload["order"]
    assert order["subtotal"] == {"amount": "3600", "currency": "JPY"}
    assert order["totalReporting"] == {"amount": "21.96", "currency": "EUR"}
    async with api.db.session(all_tenants=True) as session:
        row = (await session.scalars(select(Order))).one()
    assert (row.total_minor, row.total_reporting_minor, row.rate) == (3600, 2196, Decimal("0.0061"))


async def test_numbers_are_sequential_per_tenant(api: Api, chain: Chain) -> None:
    numbers = [(await create_order(api, chain))["order"]["number"] for _ in range(3)]
    assert numbers == ["O-000001", "O-000002", "O-000003"]
    # another tenant starts at 1 again
    other = await api.make_tenant("other")
    from tests.orders.conftest import build_chain

    other_chain = await build_chain(api, other)
    first = await create_order(api, other_chain, token=other.token)
    assert first["order"]["number"] == "O-000001"


@pytest.mark.parametrize("path", [["payOrder", "fulfillOrder", "refundOrder"], ["payOrder", "refundOrder"],
                                  ["cancelOrder"], ["payOrder", "fulfillOrder"]])
async def test_legal_transitions(api: Api, chain: Chain, path: list[str]) -> None:
    # given
    order_id = (await create_order(api, chain))["order"]["id"]
    expected = {"payOrder": "PAID", "fulfillOrder": "FULFILLED", "cancelOrder": "CANCELLED",
                "refundOrder": "REFUNDED"}
    for op in path:
        # when
        result = await transition(api, op, order_id)
        # then
        assert result["errors"] == [], op
        assert result["order"]["status"] == expected[op]
    events = {"payOrder": "ORDER_PAID", "fulfillOrder": "ORDER_FULFILLED", "cancelOrder": "ORDER_CANCELLED",
              "refundOrder": "ORDER_REFUNDED"}
    for op, event in events.items():
        assert await _events(api, event) == (1 if op in path else 0)


@pytest.mark.parametrize("state", list(PATHS))
async def test_illegal_transitions_change_nothing(api: Api, chain: Chain, state: str) -> None:
    # given an order in `state`
    order_id = (await create_order(api, chain))["order"]["id"]
    for op in PATHS[state]:
        assert (await transition(api, op, order_id))["errors"] == []
    events_before = await count(api, Event)
    for op in OPS:
        if op in ALLOWED[state]:
            continue
        # when
        result = await transition(api, op, order_id)
        # then
        assert result["order"] is None
        assert [(e["code"], e["field"]) for e in result["errors"]] == [("ILLEGAL_TRANSITION", ["id"])], op
        assert state in result["errors"][0]["message"]
    async with api.db.session(all_tenants=True) as session:
        assert (await session.scalars(select(Order.status))).one() == state
    assert await count(api, Event) == events_before


async def test_pay_earns_and_refund_reverses_through_loyalty(
    api: Api, chain: Chain, monkeypatch: pytest.MonkeyPatch,
) -> None:
    # given
    calls: list[tuple[str, int, str]] = []

    async def earn(session: Any, viewer: Any, order: Order) -> int:
        calls.append(("earn", order.total_minor, order.status))
        return 40

    async def reverse(session: Any, viewer: Any, order: Order) -> int:
        calls.append(("reverse", order.points_earned, order.status))
        return order.points_earned

    monkeypatch.setattr(loyalty, "earn_for_order", earn)
    monkeypatch.setattr(loyalty, "reverse_for_order", reverse)
    order_id = (await create_order(api, chain))["order"]["id"]
    # when
    paid = await transition(api, "payOrder", order_id)
    refunded = await transition(api, "refundOrder", order_id)
    # then
    assert paid["order"]["pointsEarned"] == 40
    assert refunded["order"]["status"] == "REFUNDED"
    assert calls == [("earn", 3998, "PAID"), ("reverse", 40, "REFUNDED")]


async def test_concurrent_pay_pays_once_and_earns_once(
    api: Api, chain: Chain, monkeypatch: pytest.MonkeyPatch,
) -> None:
    # given
    earned: list[int] = []

    async def earn(session: Any, viewer: Any, order: Order) -> int:
        earned.append(order.id)
        return 7

    monkeypatch.setattr(loyalty, "earn_for_order", earn)
    order_id = (await create_order(api, chain))["order"]["id"]
    # when
    results = await asyncio.gather(*(transition(api, "payOrder", order_id) for _ in range(20)))
    # then
    ok = [r for r in results if not r["errors"]]
    refused = [r["errors"][0]["code"] for r in results if r["errors"]]
    assert len(ok) == 1 and ok[0]["order"]["status"] == "PAID"
    assert refused == ["ILLEGAL_TRANSITION"] * 19
    assert len(earned) == 1
    assert await _events(api, "ORDER_PAID") == 1
    async with api.db.session(all_tenants=True) as session:
        row = (await session.scalars(select(Order))).one()
    assert (row.status, row.points_earned) == ("PAID", 7)


async def test_create_order_with_same_key_returns_same_order(api: Api, chain: Chain) -> None:
    # given
    first = await create_order(api, chain, idempotencyKey="k-1")
    # when
    again = await create_order(api, chain, idempotencyKey="k-1")
    other_payload = await create_order(api, chain, idempotencyKey="k-1", lines=[
        {"sku": "X", "name": "X", "quantity": 1, "unitPrice": "1.00"}])
    # then
    assert again["errors"] == []
    assert again["order"]["id"] == first["order"]["id"]
    assert again["order"]["number"] == "O-000001"
    assert [(e["code"], e["field"]) for e in other_payload["errors"]] == [("CONFLICT", ["idempotencyKey"])]
    assert await count(api, Order) == 1
    assert await _events(api, "ORDER_PLACED") == 1


async def test_concurrent_create_with_same_key_makes_one_order(api: Api, chain: Chain) -> None:
    results = await asyncio.gather(*(create_order(api, chain, idempotencyKey="k-c") for _ in range(8)))
    assert {r["order"]["id"] for r in results} == {results[0]["order"]["id"]}
    assert await count(api, Order) == 1


async def test_pay_with_same_key_replays(api: Api, chain: Chain, monkeypatch: pytest.MonkeyPatch) -> None:
    # given
    earned: list[int] = []

    async def earn(session: Any, viewer: Any, order: Order) -> int:
        earned.append(order.id)
        return 5

    monkeypatch.setattr(loyalty, "earn_for_order", earn)
    order_id = (await create_order(api, chain))["order"]["id"]
    # when
    first = (await api.ok(PAY_WITH_KEY, {"id": order_id, "key": "pay-1"}))["payOrder"]
    second = (await api.ok(PAY_WITH_KEY, {"id": order_id, "key": "pay-1"}))["payOrder"]
    without_key = (await api.ok(PAY_WITH_KEY, {"id": order_id, "key": None}))["payOrder"]
    # then
    assert first["errors"] == [] and second["errors"] == []
    assert second["order"] == {"id": order_id, "status": "PAID", "pointsEarned": 5}
    assert without_key["errors"][0]["code"] == "ILLEGAL_TRANSITION"
    assert len(earned) == 1
    assert await count(api, IdempotencyKey) == 1


BAD_INPUTS = [
    ({"lines": []}, [("INVALID", ["lines"])]),
    ({"lines": [{"sku": "A", "name": "A", "quantity": 0, "unitPrice": "1"}]}, [("INVALID", ["lines", "0", "quantity"])]),
    ({"lines": [{"sku": "A", "name": "A", "quantity": 1, "unitPrice": "1"},
                {"sku": "B", "name": "B", "quantity": -2, "unitPrice": "-1"}]},
     [("INVALID", ["lines", "1", "quantity"]), ("INVALID", ["lines", "1", "unitPrice"])]),
    ({"lines": [{"sku": " ", "name": "A", "quantity": 1, "unitPrice": "1"}]}, [("INVALID", ["lines", "0", "sku"])]),
    ({"currency": "EUX"}, [("INVALID", ["currency"])]),
    ({"currency": "EUR", "lines": [{"sku": "A", "name": "A", "quantity": 1, "unitPrice": "1.234"}]},
     [("INVALID", ["lines", "0", "unitPrice"])]),
    ({"currency": "JPY", "lines": [{"sku": "A", "name": "A", "quantity": 1, "unitPrice": "1"},
                                   {"sku": "B", "name": "B", "quantity": 1, "unitPrice": "1.5"}]},
     [("INVALID", ["lines", "1", "unitPrice"])]),
    ({"couponCode": "NOPE"}, [("NOT_FOUND", ["couponCode"])]),
    ({"placedAt": "2999-01-01T00:00:00+00:00"}, [("INVALID", ["placedAt"])]),
    ({"couponCode": "C" * 65}, [("INVALID", ["couponCode"])]),
    ({"lines": [{"sku": "A", "name": "A", "quantity": 1000, "unitPrice": "100000000000000"}]},
     [("INVALID", ["lines"])]),
]


@pytest.mark.parametrize(("extra", "expected"), BAD_INPUTS)
async def test_bad_input_is_reported_with_field_and_writes_nothing(
    api: Api, chain: Chain, extra: dict[str, Any], expected: list[tuple[str, list[str]]],
) -> None:
    # when
    payload = await create_order(api, chain, **extra)
    # then
    assert payload["order"] is None
    assert [(e["code"], e["field"]) for e in payload["errors"]] == expected
    assert await count(api, Order) == 0
    assert await count(api, OrderLine) == 0
    assert await count(api, Event) == 0


async def test_store_must_be_a_node_in_scope_and_customer_too(api: Api, chain: Chain) -> None:
    # given a salesperson of store DE-1
    sales = await api.make_staff(chain.tenant, role=Role.SALES, scope_node_id=chain.nodes["DE-1"].id)
    # when / then: another store's customer, another store, a customer id as store
    bob = await create_order(api, chain, "bob", "DE-1", token=sales)
    assert [(e["code"], e["field"]) for e in bob["errors"]] == [("NOT_FOUND", ["customerId"])]
    elsewhere = await create_order(api, chain, "alice", "DE-2", token=sales)
    assert [(e["code"], e["field"]) for e in elsewhere["errors"]] == [("NOT_FOUND", ["storeId"])]
    not_a_node = await api.ok(
        "mutation($i: CreateOrderInput!) { createOrder(input: $i) { errors { field code } } }",
        {"i": {"customerId": chain.customer("alice"), "storeId": chain.customer("alice"),
               "lines": [{"sku": "A", "name": "A", "quantity": 1, "unitPrice": "1"}]}}, token=sales)
    assert not_a_node["createOrder"]["errors"] == [{"field": ["storeId"], "code": "NOT_FOUND"}]
    mine = await create_order(api, chain, "alice", "DE-1", token=sales)
    assert mine["errors"] == []
    assert await count(api, Order) == 1


async def test_orders_outside_scope_do_not_exist(api: Api, chain: Chain) -> None:
    # given an order at DE-2 and a salesperson of DE-1
    order_id = (await create_order(api, chain, "bob", "DE-2"))["order"]["id"]
    sales = await api.make_staff(chain.tenant, role=Role.SALES, scope_node_id=chain.nodes["DE-1"].id)
    # when
    paid = await transition(api, "payOrder", order_id, token=sales)
    seen = await api.ok("query($id: ID!) { node(id: $id) { id } orders { totalCount } }", {"id": order_id},
                        token=sales)
    # then
    assert [(e["code"], e["field"]) for e in paid["errors"]] == [("NOT_FOUND", ["id"])]
    assert seen == {"node": None, "orders": {"totalCount": 0}}


async def test_support_may_not_create_orders(api: Api, chain: Chain) -> None:
    support = await api.make_staff(chain.tenant, role=Role.SUPPORT, scope_node_id=chain.tenant.root_id)
    payload = await create_order(api, chain, token=support)
    assert payload["errors"][0]["code"] == "FORBIDDEN"


async def test_coupon_discount_is_applied_and_capped(
    api: Api, chain: Chain, monkeypatch: pytest.MonkeyPatch,
) -> None:
    # given a coupon worth 5.00 EUR, and one worth more than any order
    redeemed: list[tuple[str, int, int]] = []

    async def redeem(session: Any, viewer: Any, *, code: str, order: Order, subtotal_minor: int) -> int:
        redeemed.append((code, order.customer_id, subtotal_minor))
        return 500 if code == "FIVE" else 10**9

    monkeypatch.setattr(loyalty, "redeem_coupon", redeem)
    # when
    five = await create_order(api, chain, couponCode=" FIVE ")
    huge = await create_order(api, chain, couponCode="ALL")
    # then
    order = five["order"]
    assert (order["subtotal"]["amount"], order["discount"]["amount"], order["total"]["amount"]) == (
        "39.98", "5.00", "34.98")
    assert order["totalReporting"]["amount"] == "34.98"
    assert huge["order"]["total"]["amount"] == "0.00"
    assert redeemed == [("FIVE", chain.customers["alice"].id, 3998), ("ALL", chain.customers["alice"].id, 3998)]


async def test_a_failing_earn_rolls_the_payment_back(
    api: Api, chain: Chain, monkeypatch: pytest.MonkeyPatch,
) -> None:
    # given membership refuses to earn
    from resolvers.common.errors import DomainError, ErrorCode

    async def earn(session: Any, viewer: Any, order: Order) -> int:
        raise DomainError(ErrorCode.INVALID, "cannot earn in this currency", ("currency",))

    monkeypatch.setattr(loyalty, "earn_for_order", earn)
    order_id = (await create_order(api, chain))["order"]["id"]
    # when
    result = await transition(api, "payOrder", order_id)
    # then: same transaction, so the order is still PENDING and nothing was announced
    assert [(e["code"], e["field"]) for e in result["errors"]] == [("INVALID", ["currency"])]
    async with api.db.session(all_tenants=True) as session:
        assert (await session.scalars(select(Order.status))).one() == "PENDING"
    assert await _events(api, "ORDER_PAID") == 0

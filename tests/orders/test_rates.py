"""Exchange rates: setExchangeRate, `canopy rates import`, conversion at placedAt, missing rates."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select

from cli.main import UserFacingError
from cli.rates import import_rates
from db.models.core import AuditEntry, Role
from db.models.orders import ExchangeRate, Order
from tests.conftest import Api, Tenant
from tests.orders.conftest import Chain, build_chain, count, create_order

SET_RATE = """mutation($c: String!, $d: String!, $r: Decimal!) {
  setExchangeRate(input: {currency: $c, date: $d, rate: $r}) {
    exchangeRate { currency date rate } errors { field code message } } }"""
YEN = [{"sku": "TEA", "name": "Tea", "quantity": 1, "unitPrice": "1000"}]


async def _rates(api: Api) -> list[tuple[str, date, Decimal]]:
    async with api.db.session(all_tenants=True) as session:
        rows = (await session.scalars(select(ExchangeRate).order_by(ExchangeRate.currency, ExchangeRate.day))).all()
    return [(r.currency, r.day, r.rate) for r in rows]


async def test_missing_rate_is_a_user_error_at_creation(api: Api, tenant: Tenant) -> None:
    # given a chain without any rate
    chain = await build_chain(api, tenant)
    # when
    payload = await create_order(api, chain, "yuki", "JP-1", lines=YEN)
    # then
    assert payload["order"] is None
    assert [(e["code"], e["field"]) for e in payload["errors"]] == [("INVALID", ["currency"])]
    assert "JPY->EUR" in payload["errors"][0]["message"]
    assert await count(api, Order) == 0


async def test_the_rate_of_the_day_of_placedat_applies(api: Api, chain: Chain) -> None:
    # given 0.0061 since 2020-01-01 (fixture) and 0.0065 from 2024-06-01
    set_rate = await api.ok(SET_RATE, {"c": "jpy", "d": "2024-06-01", "r": "0.0065"})
    assert set_rate["setExchangeRate"] == {
        "exchangeRate": {"currency": "JPY", "date": "2024-06-01", "rate": "0.0065"}, "errors": []}
    # when
    before = await create_order(api, chain, "yuki", "JP-1", lines=YEN, placedAt="2024-05-31T23:59:00+00:00")
    on_day = await create_order(api, chain, "yuki", "JP-1", lines=YEN, placedAt="2024-06-01T00:00:00+00:00")
    # then
    assert before["order"]["totalReporting"] == {"amount": "6.10", "currency": "EUR"}
    assert on_day["order"]["totalReporting"] == {"amount": "6.50", "currency": "EUR"}
    # a later correction of a rate leaves placed orders as they are
    await api.ok(SET_RATE, {"c": "JPY", "d": "2024-06-01", "r": "0.007"})
    seen = await api.ok("query($id: ID!) { node(id: $id) { ... on Order { totalReporting { amount } exchangeRate } } }",
                        {"id": on_day["order"]["id"]})
    assert seen["node"] == {"totalReporting": {"amount": "6.50"}, "exchangeRate": "0.0065"}
    assert (await _rates(api))[1] == ("JPY", date(2024, 6, 1), Decimal("0.007"))


async def test_an_explicit_currency_overrides_the_store_and_rounds_half_up(api: Api, chain: Chain) -> None:
    # given 1 USD = 0.92 EUR; when: 10.05 USD at a German store
    payload = await create_order(api, chain, currency="USD", lines=[
        {"sku": "A", "name": "A", "quantity": 1, "unitPrice": "10.05"}])
    # then 9.246 EUR rounds to 9.25
    assert payload["order"]["total"] == {"amount": "10.05", "currency": "USD"}
    assert payload["order"]["totalReporting"] == {"amount": "9.25", "currency": "EUR"}


@pytest.mark.parametrize(("currency", "day", "rate", "field"), [
    ("XXZ", "2024-01-01", "1.1", "currency"),
    ("EUR", "2024-01-01", "1", "currency"),
    ("USD", "01/02/2024", "1.1", "date"),
    ("USD", "2024-01-01", "0", "rate"),
    ("USD", "2024-01-01", "-1.5", "rate"),
    ("USD", "2024-01-01", "1.12345678901", "rate"),
])
async def test_set_exchange_rate_validates(
    api: Api, tenant: Tenant, currency: str, day: str, rate: str, field: str,
) -> None:
    data = await api.ok(SET_RATE, {"c": currency, "d": day, "r": rate})
    assert [(e["code"], e["field"]) for e in data["setExchangeRate"]["errors"]] == [("INVALID", [field])]
    assert await _rates(api) == []


async def test_only_admins_set_rates(api: Api, tenant: Tenant) -> None:
    manager = await api.make_staff(tenant, role=Role.MANAGER, scope_node_id=tenant.root_id)
    data = await api.ok(SET_RATE, {"c": "USD", "d": "2024-01-01", "r": "0.9"}, token=manager)
    assert data["setExchangeRate"]["errors"][0]["code"] == "FORBIDDEN"


async def test_import_upserts_idempotently_and_audits(api: Api, tenant: Tenant, tmp_path: Path) -> None:
    # given
    csv_file = tmp_path / "rates.csv"
    csv_file.write_text("currency,date,rate\nUSD,2024-01-01,0.91\njpy,2024-01-01,0.0062\n\nUSD,2024-01-02,0.915\n")
    # when imported twice, then with one rate corrected
    assert await import_rates(api.db, path=csv_file, tenant_slug="acme") == ("acme", 3)
    assert await import_rates(api.db, path=csv_file, tenant_slug=None) == ("acme", 3)
    csv_file.write_text("currency,date,rate\nUSD,2024-01-02,0.92\n")
    await import_rates(api.db, path=csv_file, tenant_slug="acme")
    # then
    assert await _rates(api) == [
        ("JPY", date(2024, 1, 1), Decimal("0.0062")),
        ("USD", date(2024, 1, 1), Decimal("0.91")),
        ("USD", date(2024, 1, 2), Decimal("0.92")),
    ]
    assert await count(api, AuditEntry, AuditEntry.entity_type == "ExchangeRate") == 7


async def test_import_reports_each_bad_line_and_writes_nothing(api: Api, tenant: Tenant, tmp_path: Path) -> None:
    # given
    csv_file = tmp_path / "rates.csv"
    csv_file.write_text(
        "currency,date,rate\nUSD,2024-01-01,0.91\nUSD,2024-13-01,0.9\nXXZ,2024-01-01,1\n"
        "USD,2024-01-01,0.95\nGBP,2024-01-01\n"
    )
    # when
    with pytest.raises(UserFacingError) as failure:
        await import_rates(api.db, path=csv_file, tenant_slug="acme")
    # then
    message = str(failure.value)
    assert "line 3: date '2024-13-01' is not YYYY-MM-DD" in message
    assert "line 4: unknown currency 'XXZ'" in message
    assert "line 5: USD 2024-01-01 repeats line 2" in message
    assert "line 6: expected 3 fields, found 2" in message
    assert "line 2" not in message.replace("repeats line 2", "")
    assert await _rates(api) == []


async def test_import_needs_the_header_and_a_known_tenant(api: Api, tenant: Tenant, tmp_path: Path) -> None:
    csv_file = tmp_path / "rates.csv"
    csv_file.write_text("cur,day,value\nUSD,2024-01-01,0.91\n")
    with pytest.raises(UserFacingError, match="line 1: the header must be currency,date,rate"):
        await import_rates(api.db, path=csv_file, tenant_slug="acme")
    with pytest.raises(UserFacingError, match="no tenant nope"):
        await import_rates(api.db, path=csv_file, tenant_slug="nope")
    with pytest.raises(UserFacingError, match="cannot read"):
        await import_rates(api.db, path=tmp_path / "missing.csv", tenant_slug="acme")

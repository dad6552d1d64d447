"""`canopy import orders`: through the orders service, idempotent, statuses moved by the machine."""

from __future__ import annotations

import csv
from pathlib import Path

import orjson
import pytest
from sqlalchemy import select

from cli.bulk import import_into
from cli.main import UserFacingError
from db.models.core import Event
from db.models.customers import Customer
from db.models.orders import Order, OrderStatus
from tests.bulk.conftest import audit_and_events, cli_args, write
from tests.conftest import Api, Tenant
from tests.orders.test_customer_stats import assert_exact

CUSTOMERS = "externalRef,node,name\nC1,DE-01,Anna\nC2,FR-01,Bruno\n"
LINES = [{"sku": "A-1", "name": "Shirt", "quantity": 2, "unitPrice": "19.90"},
         {"sku": "B-2", "name": "Socks", "quantity": 1, "unitPrice": 4.5}]


def _jsonl(rows: list[dict]) -> str:
    return "".join(orjson.dumps(r).decode() + "\n" for r in rows)


def _order(ref: str, status: str = "PAID", **extra: object) -> dict:
    return {"externalRef": ref, "customer": "C1", "store": "DE-01", "placedAt": "2026-03-01T10:00:00Z",
            "status": status, "lines": LINES, **extra}


async def _orders(api: Api, tenant: Tenant) -> list[Order]:
    async with api.db.session(tenant_id=tenant.id) as session:
        return list((await session.scalars(select(Order).order_by(Order.placed_at))).all())


@pytest.fixture
async def customers(api: Api, tenant: Tenant, stores: dict[str, int], tmp_path: Path) -> None:
    await import_into(api.db, cli_args(["import", "customers", str(write(tmp_path / "c.csv", CUSTOMERS))]))


async def test_orders_import_with_bad_rows_then_reimport_changes_nothing(
    api: Api, tenant: Tenant, customers: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # given
    path = write(tmp_path / "orders.jsonl", _jsonl([
        _order("O1"),
        _order("O2", "PENDING", placedAt="2026-03-02T10:00:00+01:00"),
        _order("O3", store="NOPE"),
        _order("O4", lines=[{"sku": "X", "name": "Y", "quantity": 0, "unitPrice": "1"}]),
        _order("O5", "CANCELLED", customer="C2", store="FR-01", placedAt="2026-03-03T00:00:00Z"),
        _order("O6", "REFUNDED", placedAt="yesterday"),
    ]))
    # when
    with pytest.raises(UserFacingError, match="3 rows rejected"):
        await import_into(api.db, cli_args(["import", "orders", str(path)]))
    # then
    with (tmp_path / "orders.jsonl.errors.csv").open(newline="") as f:
        assert [(r["line"], r["column"], r["code"]) for r in csv.DictReader(f)] == [
            ("3", "store", "NOT_FOUND"), ("4", "lines", "INVALID"), ("6", "placedAt", "INVALID"),
        ]
    found = await _orders(api, tenant)
    assert [(o.status, o.total_minor) for o in found] == [
        (OrderStatus.PAID, 4430), (OrderStatus.PENDING, 4430), (OrderStatus.CANCELLED, 4430),
    ]
    before = await audit_and_events(api.db, tenant)
    # when: the same file again
    with pytest.raises(UserFacingError):
        await import_into(api.db, cli_args(["import", "orders", str(path)]))
    # then
    assert "0 created, 0 updated, 3 unchanged, 3 rejected" in capsys.readouterr().out
    assert await audit_and_events(api.db, tenant) == before
    assert len(await _orders(api, tenant)) == 3


async def test_status_changes_apply_and_content_changes_conflict(
    api: Api, tenant: Tenant, customers: None, tmp_path: Path
) -> None:
    # given
    await import_into(api.db, cli_args(["import", "orders", str(write(tmp_path / "a.jsonl", _jsonl([
        _order("O1"), _order("O2", "PENDING"),
    ])))]))
    _, events = await audit_and_events(api.db, tenant)
    changed = write(tmp_path / "b.jsonl", _jsonl([
        _order("O1", "REFUNDED"), _order("O2", lines=LINES[:1]),
    ]))
    # when
    with pytest.raises(UserFacingError, match="1 row rejected .*line 2, column externalRef: order 'O2' was imported with other content"):
        await import_into(api.db, cli_args(["import", "orders", str(changed)]))
    # then
    assert [o.status for o in await _orders(api, tenant)] == [OrderStatus.REFUNDED, OrderStatus.PENDING]
    async with api.db.session(tenant_id=tenant.id) as session:
        new = (await session.scalars(select(Event.type).where(Event.seq > events))).all()
    assert new == ["ORDER_REFUNDED"]


async def test_imported_orders_and_their_status_changes_keep_the_order_rollup_exact(
    api: Api, tenant: Tenant, customers: None, tmp_path: Path
) -> None:
    # given imported sales and non-sales of two customers
    await import_into(api.db, cli_args(["import", "orders", str(write(tmp_path / "a.jsonl", _jsonl([
        _order("O1"), _order("O2", "FULFILLED", placedAt="2025-11-01T10:00:00Z"), _order("O3", "PENDING"),
        _order("O4", customer="C2", store="FR-01"), _order("O5", "REFUNDED", customer="C2", store="FR-01"),
    ])))]))
    async with api.db.session(tenant_id=tenant.id) as session:
        ids = {ref: cid for ref, cid in (await session.execute(select(Customer.external_ref, Customer.id))).all()}
    rows = await assert_exact(api, tenant.id, list(ids.values()))
    assert rows[ids["C1"]][:2] == (8860, 2) and rows[ids["C2"]][:2] == (4430, 1)
    # when a re-import moves statuses: C1's pending one paid, C2's sale refunded
    await import_into(api.db, cli_args(["import", "orders", str(write(tmp_path / "b.jsonl", _jsonl([
        _order("O3", "PAID"), _order("O4", "REFUNDED", customer="C2", store="FR-01"),
    ])))]))
    # then
    rows = await assert_exact(api, tenant.id, list(ids.values()))
    assert rows[ids["C1"]][:2] == (3 * 4430, 3) and ids["C2"] not in rows


async def test_orders_dry_run_writes_nothing(
    api: Api, tenant: Tenant, customers: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = await audit_and_events(api.db, tenant)
    path = write(tmp_path / "a.jsonl", _jsonl([_order("O1"), _order("O2", "FULFILLED")]))
    await import_into(api.db, cli_args(["import", "orders", str(path), "--dry-run"]))
    assert "2 would be created" in capsys.readouterr().out
    assert await _orders(api, tenant) == []
    assert await audit_and_events(api.db, tenant) == before


async def test_a_row_failing_halfway_leaves_no_order_audit_or_event(
    api: Api, tenant: Tenant, customers: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given: fulfilment fails after the order was created and paid in the row's savepoint
    from db.models.core import AuditEntry
    from resolvers.common.errors import DomainError, ErrorCode
    from resolvers.orders import orders

    async def broken(*args: object, **kwargs: object) -> None:
        raise DomainError(ErrorCode.INVALID, "warehouse offline", ("status",))

    monkeypatch.setattr(orders, "fulfill_order", broken)
    _, events = await audit_and_events(api.db, tenant)
    path = write(tmp_path / "o.jsonl", _jsonl([_order("O1"), _order("O2", "FULFILLED")]))
    # when
    with pytest.raises(UserFacingError, match="line 2, column status: warehouse offline"):
        await import_into(api.db, cli_args(["import", "orders", str(path)]))
    # then
    found = await _orders(api, tenant)
    assert len(found) == 1
    async with api.db.session(tenant_id=tenant.id) as session:
        audited = set((await session.scalars(
            select(AuditEntry.entity_id).where(AuditEntry.entity_type == "Order")
        )).all())
        new_events = (await session.scalars(select(Event).where(Event.seq > events))).all()
    assert audited == {found[0].id}
    assert {e.subject_id for e in new_events} == {found[0].id}


async def test_an_order_repeated_with_its_next_status_is_written_once_and_a_rerun_writes_nothing(
    api: Api, tenant: Tenant, customers: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # given: O1 placed then paid, O2 with other content on its second row
    path = write(tmp_path / "o.jsonl", _jsonl([
        _order("O1", "PENDING"), _order("O2", "PENDING"), _order("O1", "PAID"), _order("O2", lines=LINES[:1]),
    ]))
    before = await audit_and_events(api.db, tenant)
    # when
    with pytest.raises(UserFacingError, match="1 row rejected .*line 4, column externalRef: order 'O2' has other "
                       "content on line 2"):
        await import_into(api.db, cli_args(["import", "orders", str(path)]))
    # then: O1 paid, O2 imported from its first row
    assert "2 created, 0 updated, 0 unchanged, 1 rejected, 1 carried" in capsys.readouterr().out
    assert [o.status for o in await _orders(api, tenant)] == [OrderStatus.PAID, OrderStatus.PENDING]
    written = await audit_and_events(api.db, tenant)
    assert written != before
    # when: the same file again
    with pytest.raises(UserFacingError):
        await import_into(api.db, cli_args(["import", "orders", str(path)]))
    # then
    assert "0 created, 0 updated, 2 unchanged, 1 rejected, 1 carried" in capsys.readouterr().out
    assert await audit_and_events(api.db, tenant) == written

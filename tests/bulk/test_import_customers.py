"""`canopy import customers`: line-exact errors, idempotent re-runs, dry runs, batch fallback."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from sqlalchemy import select

from cli.bulk import import_into
from cli.main import UserFacingError
from db.models.core import Event
from db.models.customers import Customer, CustomerTag
from resolvers.bulk import customers as bulk_customers
from tests.bulk.conftest import audit_and_events, cli_args, count, write
from tests.conftest import Api, Tenant

GOOD = """externalRef,node,name,email,phone,locale,tags,attributes
C1,DE-01,Anna Schmidt,ANNA@example.com,030 1234567,,vip;Newsletter,"{""size"": ""M""}"
C2,FR-01,Bruno Petit,,,,,
"""

BAD = """externalRef,node,name,email,phone,tags
C1,DE-01,Anna,anna@example.com,,
C2,XX-99,Bruno,,,
C3,DE-01,"Multi
line name",not-an-email,,
,DE-01,No Ref,,,
C5,DE-01,Too,many,fields,,,
C6,FR-01,,,,
C7,FR-01,Claire,,+33 1 23 45 67 89,a
"""


async def _customers(api: Api, tenant: Tenant) -> dict[str, Customer]:
    async with api.db.session(tenant_id=tenant.id) as session:
        return {c.external_ref: c for c in (await session.scalars(select(Customer))).all()}


async def test_import_creates_customers_with_normalised_values(
    api: Api, tenant: Tenant, stores: dict[str, int], tmp_path: Path
) -> None:
    # given
    path = write(tmp_path / "customers.csv", GOOD)
    # when
    assert await import_into(api.db, cli_args(["import", "customers", str(path)])) == 0
    # then
    found = await _customers(api, tenant)
    anna = found["C1"]
    assert (anna.node_id, anna.email, anna.phone, anna.locale) == (
        stores["DE-01"], "anna@example.com", "+49301234567", "de-DE"
    )
    assert anna.tags == ["newsletter", "vip"] and anna.attributes == {"size": "M"}
    assert found["C2"].locale == "fr-FR" and found["C2"].tags == []
    assert await count(api.db, tenant, CustomerTag) == 2
    async with api.db.session(tenant_id=tenant.id) as session:
        events = (await session.scalars(select(Event.type).order_by(Event.seq))).all()
    assert events == ["CUSTOMER_CREATED", "CUSTOMER_CREATED"]
    assert not (tmp_path / "customers.csv.errors.csv").exists()


async def test_bad_rows_are_reported_by_line_and_column_and_never_written(
    api: Api, tenant: Tenant, stores: dict[str, int], tmp_path: Path
) -> None:
    # given
    path = write(tmp_path / "bad.csv", BAD)
    # when
    with pytest.raises(UserFacingError, match="5 rows rejected .*line 3, column node"):
        await import_into(api.db, cli_args(["import", "customers", str(path)]))
    # then
    with (tmp_path / "bad.csv.errors.csv").open(newline="") as f:
        errors = [(r["line"], r["column"], r["code"]) for r in csv.DictReader(f)]
    assert errors == [
        ("3", "node", "NOT_FOUND"),
        ("4", "email", "INVALID"),
        ("6", "externalRef", "INVALID"),
        ("7", "", "INVALID"),
        ("8", "name", "INVALID"),
    ]
    assert sorted(await _customers(api, tenant)) == ["C1", "C7"]


async def test_reimporting_the_same_file_changes_nothing(
    api: Api, tenant: Tenant, stores: dict[str, int], tmp_path: Path
) -> None:
    # given
    path = write(tmp_path / "customers.csv", GOOD)
    await import_into(api.db, cli_args(["import", "customers", str(path)]))
    before = await audit_and_events(api.db, tenant)
    updated_at = {k: c.updated_at for k, c in (await _customers(api, tenant)).items()}
    # when
    await import_into(api.db, cli_args(["import", "customers", str(path), "--batch-size", "1"]))
    # then
    assert await audit_and_events(api.db, tenant) == before
    assert {k: c.updated_at for k, c in (await _customers(api, tenant)).items()} == updated_at


async def test_changed_rows_update_only_what_changed(
    api: Api, tenant: Tenant, stores: dict[str, int], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # given
    await import_into(api.db, cli_args(["import", "customers", str(write(tmp_path / "a.csv", GOOD))]))
    audits, events = await audit_and_events(api.db, tenant)
    changed = write(tmp_path / "b.jsonl", (
        '{"externalRef": "C1", "tags": ["vip", "gold"]}\n'
        '{"externalRef": "C2", "node": "DE-01", "name": "Bruno Petit"}\n'
    ))
    # when
    await import_into(api.db, cli_args(["import", "customers", str(changed)]))
    # then
    assert "0 created, 2 updated, 0 unchanged, 0 rejected" in capsys.readouterr().out
    found = await _customers(api, tenant)
    assert found["C1"].tags == ["gold", "vip"] and found["C1"].email == "anna@example.com"
    assert found["C2"].node_id == stores["DE-01"]
    async with api.db.session(tenant_id=tenant.id) as session:
        tags = sorted((await session.execute(select(CustomerTag.tag))).scalars())
        new_events = (await session.scalars(select(Event).where(Event.seq > events).order_by(Event.seq))).all()
    assert tags == ["gold", "vip"]
    assert [(e.type, e.data) for e in new_events] == [
        ("CUSTOMER_UPDATED", {"fields": ["tags"]}), ("CUSTOMER_UPDATED", {"fields": ["node_id"]}),
    ]
    assert (await audit_and_events(api.db, tenant))[0] > audits


async def test_dry_run_writes_nothing(
    api: Api, tenant: Tenant, stores: dict[str, int], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # given
    before = await audit_and_events(api.db, tenant)
    path = write(tmp_path / "customers.csv", GOOD)
    # when
    await import_into(api.db, cli_args(["import", "customers", str(path), "--dry-run"]))
    # then
    assert "2 would be created" in capsys.readouterr().out
    assert await _customers(api, tenant) == {}
    assert await audit_and_events(api.db, tenant) == before


async def test_a_batch_failing_in_the_database_is_retried_row_by_row(
    api: Api, tenant: Tenant, stores: dict[str, int], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given: the row BOOM reuses the primary key of an existing customer, which only the database sees
    await import_into(api.db, cli_args(["import", "customers", str(write(tmp_path / "a.csv", GOOD))]))
    taken = (await _customers(api, tenant))["C1"].id
    upsert = bulk_customers._Batch.upsert

    def poisoned(self, session, viewer, values, row, *, write):  # type: ignore[no-untyped-def]
        ref = values.get("external_ref")
        outcome = upsert(self, session, viewer, values, row, write=write)
        if ref == "BOOM":
            self.known["BOOM"].id = taken
        return outcome

    monkeypatch.setattr(bulk_customers._Batch, "upsert", poisoned)
    path = write(tmp_path / "b.csv", "externalRef,node,name\nD1,DE-01,One\nBOOM,DE-01,Two\nD3,FR-01,Three\n")
    # when
    with pytest.raises(UserFacingError, match="1 row rejected .*line 3"):
        await import_into(api.db, cli_args(["import", "customers", str(path)]))
    # then
    assert sorted(await _customers(api, tenant)) == ["C1", "C2", "D1", "D3"]


async def test_jsonl_problems_are_reported_by_line(
    api: Api, tenant: Tenant, stores: dict[str, int], tmp_path: Path
) -> None:
    # given: blank lines still count
    path = write(tmp_path / "c.ndjson", (
        '{"externalRef": "J1", "node": "DE-01", "name": "Ok", "tags": ["a"]}\n'
        "\n"
        '{"externalRef": "J2", "node": "DE-01", "name": "Bad JSON"\n'
        '["not", "an", "object"]\n'
        '{"externalRef": "J4", "node": "DE-01", "name": "X", "shoeSize": 42}\n'
        '{"externalRef": "J5", "node": "DE-01", "name": "X", "tags": "a;b", "attributes": [1]}\n'
    ))
    # when
    with pytest.raises(UserFacingError, match="4 rows rejected"):
        await import_into(api.db, cli_args(["import", "customers", str(path)]))
    # then
    with (tmp_path / "c.ndjson.errors.csv").open(newline="") as f:
        assert [(r["line"], r["column"]) for r in csv.DictReader(f)] == [
            ("3", ""), ("4", ""), ("5", "shoeSize"), ("6", "attributes"),
        ]
    assert sorted(await _customers(api, tenant)) == ["J1"]


async def test_unreadable_files_and_headers_are_one_line_errors(
    api: Api, tenant: Tenant, stores: dict[str, int], tmp_path: Path
) -> None:
    binary = tmp_path / "latin1.csv"
    binary.write_bytes(b"externalRef,node,name\nX1,DE-01,M\xfcller\n")
    with pytest.raises(UserFacingError, match="cannot read .*latin1.csv"):
        await import_into(api.db, cli_args(["import", "customers", str(binary)]))
    header = write(tmp_path / "h.csv", "externalRef,node,name,shoeSize\nX1,DE-01,A,42\n")
    with pytest.raises(Exception, match="unknown column 'shoeSize'"):
        await import_into(api.db, cli_args(["import", "customers", str(header)]))
    assert await _customers(api, tenant) == {}

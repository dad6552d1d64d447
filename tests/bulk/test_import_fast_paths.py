"""What the import does faster than the API must come out the same: emails, audit rows, repeated refs."""

from __future__ import annotations

import copy
import random
from pathlib import Path

import pytest
from sqlalchemy import select

from cli.bulk import import_into
from cli.main import UserFacingError
from db.models.core import AuditEntry, Event
from db.models.customers import Customer
from db.uow import unit_of_work
from resolvers.bulk import importer as bulk_import
from resolvers.bulk.customers import plain_email
from resolvers.common.errors import DomainError
from resolvers.core.auth import normalise_email
from resolvers.customers import customers
from tests.bulk.conftest import audit_and_events, cli_args, write
from tests.conftest import Api, Tenant

TRICKY = [
    "anna@example.com", " Anna.Maria+crm@Mail.Example.COM ", "a@b.co", "x_y-z@sub-1.example.de",
    "a..b@example.com", ".a@example.com", "a.@example.com", "a@-example.com", "a@example-.com",
    "a@ab--cd.com", "a@xn--bcher-kva.ch", "a@example.c", "a@example.123", "a@localhost", "a@foo.test",
    "a@x.local", "a@example.com.", "a@@example.com", "a@exa_mple.com", "ünï@example.com", "a@bücher.ch",
    "a" * 64 + "@example.com", "a" * 65 + "@example.com", "a@" + "b" * 63 + ".com", "a@" + "b" * 64 + ".com",
    "a@" + ".".join(["b" * 60] * 4) + ".com", "\"q\"@example.com", "a b@example.com", "a@example.onion",
    "info@Example.com", "a/b@example.com", "a@example", "@example.com", "a@", "",
]


def _slow(value: str) -> str | None:
    try:
        return normalise_email(value)
    except DomainError:
        return None


@pytest.mark.parametrize("value", TRICKY)
def test_a_plain_email_is_normalised_as_validate_email_does(value: str) -> None:
    fast = plain_email(value)
    assert fast is None or fast == _slow(value)


def test_random_addresses_take_the_fast_path_only_when_it_agrees() -> None:
    rng = random.Random(9)
    alphabet = "aZ09._+-@-.ü!\"x"
    taken = 0
    for _ in range(20_000):
        local = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 8)))
        domain = "".join(rng.choice("ab-.1Zx") for _ in range(rng.randint(0, 10)))
        value = f"{local}@{domain}{rng.choice(['.com', '.de', '.c', '', '.test', '.x1'])}"
        fast = plain_email(value)
        if fast is not None:
            taken += 1
            assert fast == _slow(value), value
    assert taken > 300  # the check above compared something


async def test_an_imported_customer_is_audited_like_one_created_through_the_api(
    api: Api, tenant: Tenant, stores: dict[str, int], tmp_path: Path
) -> None:
    # given
    viewer = await bulk_import.system_viewer(api.db, tenant.slug)
    values = {"name": "Anna Schmidt", "email": "anna@example.com", "phone": "030 1234567",
              "tags": ["vip"], "attributes": {"size": "M"}}
    async with api.db.session(tenant_id=tenant.id) as session:
        async with unit_of_work(session, operation="createCustomer"):
            await customers.create_customer(session, viewer, node_id=stores["DE-01"], values=dict(values),
                                            external_ref="API-1")
    path = write(tmp_path / "c.jsonl", '{"externalRef": "IMP-1", "node": "DE-01", "name": "Anna Schmidt", '
                 '"email": "anna@example.com", "phone": "030 1234567", "tags": ["vip"], "attributes": {"size": "M"}}\n')
    # when
    await import_into(api.db, cli_args(["import", "customers", str(path)]))
    # then
    async with api.db.session(tenant_id=tenant.id) as session:
        made = {c.external_ref: c for c in (await session.scalars(select(Customer))).all()}
        audit = {a.entity_id: a for a in (await session.scalars(
            select(AuditEntry).where(AuditEntry.entity_type == "Customer"))).all()}
        events = {e.subject_id: e for e in (await session.scalars(select(Event))).all()}
    api_row, imported = audit[made["API-1"].id], audit[made["IMP-1"].id]
    assert imported.operation == "importCustomers" and imported.node_id == api_row.node_id == stores["DE-01"]
    assert imported.actor_id is None and imported.request_id is None
    expected = {**api_row.changes, "external_ref": [None, "IMP-1"],
                "search_text": [None, "anna schmidt anna@example.com +49301234567 imp-1"]}
    assert imported.changes == expected
    assert list(imported.changes) == list(expected)
    ev = events[made["IMP-1"].id]
    assert (ev.type, ev.node_id, ev.subject_type, ev.data) == ("CUSTOMER_CREATED", stores["DE-01"], "Customer", {})


async def test_a_ref_repeated_in_a_file_is_written_once_and_a_rerun_writes_nothing(
    api: Api, tenant: Tenant, stores: dict[str, int], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # given: C1 twice in one batch with different names, C2 twice in different batches (node left out last)
    path = write(tmp_path / "c.csv", "externalRef,node,name\nC1,DE-01,Anna\nC1,DE-01,Anna B\nC2,FR-01,Bruno\n"
                 "C3,FR-01,Claire\nC2,,Bruno\n")
    before = await audit_and_events(api.db, tenant)
    # when
    await import_into(api.db, cli_args(["import", "customers", str(path), "--dry-run", "--batch-size", "3"]))
    # then
    assert ("3 would be created, 0 would be updated, 0 unchanged, 0 rejected, 2 carried into a later row"
            in capsys.readouterr().out)
    assert await audit_and_events(api.db, tenant) == before
    # when
    await import_into(api.db, cli_args(["import", "customers", str(path), "--batch-size", "3"]))
    # then: each customer written once, with the file's net values
    assert "3 created, 0 updated, 0 unchanged, 0 rejected, 2 carried" in capsys.readouterr().out
    async with api.db.session(tenant_id=tenant.id) as session:
        made = {c.external_ref: c for c in (await session.scalars(select(Customer))).all()}
        events = (await session.execute(select(Event.type, Event.subject_id).order_by(Event.seq))).all()
        audit = (await session.scalars(select(AuditEntry).where(AuditEntry.entity_id == made["C1"].id))).all()
    assert made["C1"].name == "Anna B" and made["C2"].node_id == stores["FR-01"]
    assert events == [("CUSTOMER_CREATED", made["C1"].id), ("CUSTOMER_CREATED", made["C3"].id),
                      ("CUSTOMER_CREATED", made["C2"].id)]
    assert [a.changes["name"] for a in audit] == [[None, "Anna B"]]
    written = await audit_and_events(api.db, tenant)
    for batch_size in ("3", "1000"):
        # when: the same file again, in batches that split C2's rows and in one batch
        await import_into(api.db, cli_args(["import", "customers", str(path), "--batch-size", batch_size]))
        # then: nothing written, nothing reported as updated
        assert "0 created, 0 updated, 3 unchanged, 0 rejected, 2 carried" in capsys.readouterr().out
        assert await audit_and_events(api.db, tenant) == written


async def test_a_repeated_ref_changing_updates_once_and_a_rejected_last_row_keeps_the_earlier(
    api: Api, tenant: Tenant, stores: dict[str, int], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # given
    await import_into(api.db, cli_args(["import", "customers", str(write(
        tmp_path / "a.csv", "externalRef,node,name\nC1,DE-01,Anna\n"))]))
    written = await audit_and_events(api.db, tenant)
    path = write(tmp_path / "b.jsonl", '{"externalRef": "C1", "name": "Anna B"}\n{"externalRef": "C1", "phone": "030 1234567"}\n'
                 '{"externalRef": "C9", "node": "FR-01", "name": "Nina"}\n{"externalRef": "C9", "email": "not an email"}\n')
    # when
    with pytest.raises(UserFacingError, match="1 row rejected .*line 4, column email"):
        await import_into(api.db, cli_args(["import", "customers", str(path)]))
    # then: C1 updated once with both rows' columns; C9 created from its valid first row
    assert "1 created, 1 updated, 0 unchanged, 1 rejected, 1 carried" in capsys.readouterr().out
    async with api.db.session(tenant_id=tenant.id) as session:
        made = {c.external_ref: c for c in (await session.scalars(select(Customer))).all()}
        events = (await session.execute(select(Event.type, Event.data).order_by(Event.seq))).all()
    assert (made["C1"].name, made["C1"].phone, made["C9"].name) == ("Anna B", "+49301234567", "Nina")
    assert events[len(events) - 2:] == [("CUSTOMER_UPDATED", {"fields": ["name", "phone"]}), ("CUSTOMER_CREATED", {})]
    assert await audit_and_events(api.db, tenant) == (written[0] + 2, written[1] + 2)  # a row each


def test_an_audit_snapshot_restores_what_a_deep_copy_would() -> None:
    from sqlalchemy.orm import Session

    from db import audit

    session = Session()
    session.info["audit_pending"] = {}
    audit.record(session, tenant_id=1, entity_type="Customer", entity_id=7, changes={"name": ["a", "b"]}, node_id=3)
    audit.redact_before(session, "Customer", 7)
    expected = copy.deepcopy(session.info["audit_pending"])
    state = audit.snapshot(session)
    audit.record(session, tenant_id=1, entity_type="Customer", entity_id=7, changes={"name": ["b", "c"]})
    audit.record(session, tenant_id=1, entity_type="Order", entity_id=8, changes={"total": [None, 5]}, node_id=4)
    audit.redact_before(session, "Order", 8)
    audit.record(session, tenant_id=1, entity_type="Customer", entity_id=9, changes={"name": [None, "x"]}, node_id=3)
    audit.restore(session, state)
    assert session.info["audit_pending"] == expected
    # and with nothing collected before the mark: every key the row created goes
    session.info["audit_pending"] = {}
    state = audit.snapshot(session)
    audit.record(session, tenant_id=1, entity_type="Order", entity_id=8, changes={"total": [None, 5]}, node_id=4)
    audit.redact_before(session, "Order", 8)
    audit.restore(session, state)
    assert session.info["audit_pending"] == {}

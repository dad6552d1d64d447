"""Consent: default not granted, setConsent history and rules, imports, exports, GDPR access and erasure."""

from __future__ import annotations

import csv
from pathlib import Path

import orjson
import pytest
from sqlalchemy import func, select

from cli.bulk import export_customers_to, import_into
from cli.main import UserFacingError
from db.models.consent import ConsentRecord
from db.models.core import AuditEntry, Event, Role
from tests.bulk.conftest import cli_args, write
from tests.conftest import Api, Tenant
from tests.tree.factories import create_node, node_gid

CREATE = """mutation($n: ID!, $name: String!, $ref: String) {
  createCustomer(input: {nodeId: $n, name: $name, externalRef: $ref, email: "x@example.com"}) { customer { id } errors { code } } }"""
SET = """mutation($c: ID!, $ch: ConsentChannel!, $p: ConsentPurpose!, $g: Boolean!, $s: String) {
  setConsent(input: {customerId: $c, channel: $ch, purpose: $p, granted: $g, source: $s}) {
    consent { channel purpose granted source at by { email } } customer { id }
    errors { field code message } } }"""
CONSENTS = "query($id: ID!) { customer(id: $id) { consents { channel purpose granted source at by { email } } } }"
PAGE = "query { customers(first: 50) { edges { node { name consents { channel granted } } } } }"


async def _customer(api: Api, store: str, name: str = "Ada", ref: str | None = None) -> str:
    data = await api.ok(CREATE, {"n": store, "name": name, "ref": ref})
    assert data["createCustomer"]["errors"] == []
    return data["createCustomer"]["customer"]["id"]


def _state(consents: list[dict], channel: str, purpose: str) -> dict:
    return next(c for c in consents if c["channel"] == channel and c["purpose"] == purpose)


async def test_every_channel_and_purpose_defaults_to_not_granted(api: Api, tenant: Tenant) -> None:
    # given
    store = await create_node(api, tenant.root_id, "S1")
    gid = await _customer(api, store)
    # when
    consents = (await api.ok(CONSENTS, {"id": gid}))["customer"]["consents"]
    # then
    assert len(consents) == 8
    assert {(c["channel"], c["purpose"]) for c in consents} == {
        (ch, p) for ch in ("EMAIL", "SMS", "MESSENGER", "PHONE") for p in ("MARKETING", "SERVICE")}
    assert all(c["granted"] is False and c["source"] is None and c["at"] is None for c in consents)


async def test_set_consent_keeps_the_history_and_the_latest_wins(api: Api, tenant: Tenant) -> None:
    # given
    store = await create_node(api, tenant.root_id, "S1")
    gid = await _customer(api, store)
    # when: granted in the store, then withdrawn by the web form; SMS granted
    steps = [("EMAIL", "MARKETING", True, "store"), ("EMAIL", "MARKETING", False, "web form"),
             ("SMS", "MARKETING", True, None)]
    for channel, purpose, granted, source in steps:
        payload = (await api.ok(SET, {"c": gid, "ch": channel, "p": purpose, "g": granted, "s": source}))["setConsent"]
        assert payload["errors"] == [] and payload["customer"]["id"] == gid
        assert payload["consent"]["granted"] is granted and payload["consent"]["by"] == {"email": "admin@acme.example"}
    # then
    consents = (await api.ok(CONSENTS, {"id": gid}))["customer"]["consents"]
    assert _state(consents, "EMAIL", "MARKETING")["granted"] is False
    assert _state(consents, "EMAIL", "MARKETING")["source"] == "web form"
    assert _state(consents, "SMS", "MARKETING")["granted"] is True
    assert _state(consents, "SMS", "MARKETING")["source"] == "api"
    assert _state(consents, "EMAIL", "SERVICE")["granted"] is False
    async with api.db.session(tenant_id=tenant.id) as session:
        history = (await session.scalars(select(ConsentRecord).order_by(ConsentRecord.at, ConsentRecord.id))).all()
        events = (await session.scalars(select(Event).where(Event.type == "CONSENT_CHANGED").order_by(Event.seq))).all()
        audited = await session.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.operation == "setConsent", AuditEntry.entity_type == "ConsentRecord"))
    assert [(r.channel.value, r.granted) for r in history] == [("EMAIL", True), ("EMAIL", False), ("SMS", True)]
    assert [(e.data["channel"], e.data["granted"]) for e in events] == [("EMAIL", True), ("EMAIL", False), ("SMS", True)]
    assert audited == 3


async def test_set_consent_follows_the_customer_rules(api: Api, tenant: Tenant) -> None:
    # given a customer in S1, a manager of S2 and a support agent of the root
    s1 = await create_node(api, tenant.root_id, "S1")
    s2 = await create_node(api, tenant.root_id, "S2")
    gid = await _customer(api, s1)
    from schema.relay import decode_id

    manager = await api.make_staff(tenant, role=Role.MANAGER, scope_node_id=decode_id(s2, "TierNode"))
    support = await api.make_staff(tenant, role=Role.SUPPORT, scope_node_id=tenant.root_id)
    args = {"c": gid, "ch": "EMAIL", "p": "MARKETING", "g": True}
    # when
    outside = (await api.ok(SET, args, token=manager))["setConsent"]
    missing = (await api.ok(SET, {**args, "c": node_gid(1)}))["setConsent"]
    forbidden = (await api.ok(SET, args, token=support))["setConsent"]
    blank = (await api.ok(SET, {**args, "s": "   "}))["setConsent"]
    long = (await api.ok(SET, {**args, "s": "x" * 101}))["setConsent"]
    # then: outside the scope answers like a missing customer
    assert outside["errors"] == missing["errors"]
    assert [(e["field"], e["code"]) for e in outside["errors"]] == [(["customerId"], "NOT_FOUND")]
    assert [e["code"] for e in forbidden["errors"]] == ["FORBIDDEN"]
    assert [(e["field"], e["code"]) for e in blank["errors"]] == [(["source"], "INVALID")]
    assert [(e["field"], e["code"]) for e in long["errors"]] == [(["source"], "INVALID")]
    assert (await api.ok(CONSENTS, {"id": gid}))["customer"]["consents"][0]["granted"] is False
    async with api.db.session(tenant_id=tenant.id) as session:
        assert await session.scalar(select(func.count()).select_from(ConsentRecord)) == 0


async def test_a_page_reads_consents_in_one_statement(api: Api, tenant: Tenant) -> None:
    # given
    store = await create_node(api, tenant.root_id, "S1")
    ids = [await _customer(api, store, f"C{i}") for i in range(3)]
    await api.ok(SET, {"c": ids[0], "ch": "EMAIL", "p": "MARKETING", "g": True})
    few = await api.statements(PAGE)
    for i in range(3, 12):
        await _customer(api, store, f"C{i}")
    # when
    many = await api.statements(PAGE)
    data = await api.ok(PAGE)
    # then
    assert many == few
    granted = {e["node"]["name"]: [c["channel"] for c in e["node"]["consents"] if c["granted"]]
               for e in data["customers"]["edges"]}
    assert granted["C0"] == ["EMAIL"] and granted["C5"] == []


IMPORT = """externalRef,node,name,consentEmailMarketing,consentSmsService
K1,S1,Kim,yes,
K2,S1,Lee,false,true
K3,S1,Max,maybe,
"""


async def test_import_records_consent_columns_and_export_carries_them(
    api: Api, tenant: Tenant, tmp_path: Path
) -> None:
    # given
    await create_node(api, tenant.root_id, "S1")
    source = write(tmp_path / "in.csv", IMPORT)
    # when
    with pytest.raises(UserFacingError, match="1 row rejected"):
        await import_into(api.db, cli_args(["import", "customers", str(source)]))
    # then: K3's bad value refuses the row; K1 email marketing yes, K2 an explicit no and SMS service
    errors = list(csv.reader((tmp_path / "in.csv.errors.csv").open()))
    assert [(e[0], e[1], e[2]) for e in errors[1:]] == [("4", "consentEmailMarketing", "INVALID")]
    async with api.db.session(tenant_id=tenant.id) as session:
        rows = (await session.execute(select(ConsentRecord.channel, ConsentRecord.purpose, ConsentRecord.granted,
                                             ConsentRecord.source))).all()
    assert sorted((c.value, p.value, g, s) for c, p, g, s in rows) == [
        ("EMAIL", "MARKETING", False, "import"), ("EMAIL", "MARKETING", True, "import"),
        ("SMS", "SERVICE", True, "import")]
    # when: exported, and the export imported again
    out = tmp_path / "out.csv"
    await export_customers_to(api.db, cli_args(["export", "customers", "--format", "csv", "--output", str(out)]))
    await import_into(api.db, cli_args(["import", "customers", str(out)]))
    jsonl = tmp_path / "out.jsonl"
    await export_customers_to(api.db, cli_args(["export", "customers", "--format", "jsonl", "--output", str(jsonl)]))
    # then: the columns hold the current state (empty where never stated), and nothing new was recorded
    with out.open(newline="") as f:
        exported = {r["externalRef"]: r for r in csv.DictReader(f)}
    assert (exported["K1"]["consentEmailMarketing"], exported["K1"]["consentSmsService"]) == ("true", "")
    assert (exported["K2"]["consentEmailMarketing"], exported["K2"]["consentSmsService"]) == ("false", "true")
    lines = {(d := orjson.loads(line))["externalRef"]: d for line in jsonl.read_text().splitlines()}
    assert lines["K1"]["consentEmailMarketing"] is True and lines["K1"]["consentPhoneMarketing"] is None
    async with api.db.session(tenant_id=tenant.id) as session:
        assert await session.scalar(select(func.count()).select_from(ConsentRecord)) == 3


EXPORT = "query($id: ID!) { exportCustomer(id: $id) }"
ERASE = "mutation($id: ID!) { eraseCustomer(input: {id: $id}) { errors { code } } }"


async def test_gdpr_export_holds_the_history_and_erasure_removes_it(api: Api, tenant: Tenant) -> None:
    # given a customer with two statements, and another customer with one
    store = await create_node(api, tenant.root_id, "S1")
    gid, other = await _customer(api, store, "Ada"), await _customer(api, store, "Bob")
    for g in (True, False):
        await api.ok(SET, {"c": gid, "ch": "EMAIL", "p": "MARKETING", "g": g, "s": "store Ada"})
    await api.ok(SET, {"c": other, "ch": "SMS", "p": "SERVICE", "g": True})
    # when
    document = (await api.ok(EXPORT, {"id": gid}))["exportCustomer"]
    erased = (await api.ok(ERASE, {"id": gid}))["eraseCustomer"]
    # then
    assert [(r["channel"], r["granted"]) for r in document["related"]["consent_record"]] == [
        ("EMAIL", True), ("EMAIL", False)]
    assert erased["errors"] == []
    consents = (await api.ok(CONSENTS, {"id": gid}))["customer"]["consents"]
    assert all(c["granted"] is False and c["source"] is None for c in consents)
    assert _state((await api.ok(CONSENTS, {"id": other}))["customer"]["consents"], "SMS", "SERVICE")["granted"]
    async with api.db.session(tenant_id=tenant.id) as session:
        assert await session.scalar(select(func.count()).select_from(ConsentRecord)) == 1
        # The erasure writes several entries (the customer's scrub, the deletions): its own holds `_erasure`.
        erasure = next(c for c in (await session.scalars(
            select(AuditEntry.changes).where(AuditEntry.operation == "eraseCustomer"))).all() if "_erasure" in c)
        # the audit entries of the deleted statements no longer quote the name in their source
        sources = (await session.scalars(select(AuditEntry.changes).where(AuditEntry.entity_type == "ConsentRecord"))).all()
    assert erasure["_erasure"][1]["deleted"] == {"consent_record": 2}
    assert not any("Ada" in orjson.dumps(c).decode() for c in sources)

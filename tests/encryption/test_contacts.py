"""Email and phone encrypted at rest, still found whole: blind indexes for lookups and duplicates."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from sqlalchemy import event, make_url, select, text

from db import crypto
from db.models.core import Role
from db.models.customers import Customer
from db.session import Database
from resolvers.common.viewer import Viewer
from resolvers.customers.customers import CustomerFilterValues, customer_query
from resolvers.security.keys import reencrypt_all
from tests.conftest import PG_URL, Api, Tenant
from tests.encryption.conftest import raw_bytes
from tests.membership.conftest import pk
from tests.orders.conftest import Chain

CREATE = """mutation($input: CreateCustomerInput!) { createCustomer(input: $input) {
  customer { id email phone } errors { field code message } warnings { code reasons customer { id } } } }"""
UPDATE = """mutation($input: UpdateCustomerInput!) { updateCustomer(input: $input) {
  customer { id phone } errors { field code message } } }"""
SEARCH = """query($search: String!) { customers(first: 10, filter: {search: $search}) {
  edges { node { id name email phone } } } }"""
PAIRS = """{ duplicateCandidates(first: 10) { edges { node { reasons customers { id } } } } }"""
FIND_CARD = (Path(__file__).parents[2] / "bots" / "operations" / "find_card.graphql").read_text()

EMAIL, PHONE = "Needle.Mail-3f9a@Example.org", "+4930123987"


async def _create(api: Api, chain: Chain, name: str, **values: str) -> dict[str, Any]:
    data = await api.ok(CREATE, {"input": {"nodeId": chain.node("DE-1"), "name": name, **values}})
    assert data["createCustomer"]["errors"] == [], data
    return data["createCustomer"]


async def _found(api: Api, search: str) -> list[str]:
    return [e["node"]["name"] for e in (await api.ok(SEARCH, {"search": search}))["customers"]["edges"]]


def _plain(raw: bytes) -> list[str]:
    needles = (EMAIL, EMAIL.lower(), "needle.mail-3f9a", "needlemail", PHONE, PHONE[1:])
    return [n for n in needles if n.encode() in raw]


async def test_email_and_phone_are_stored_sealed_and_found_whole(
    api: Api, tenant: Tenant, chain: Chain, keyring: crypto.Keyring,
) -> None:
    # when
    made = await _create(api, chain, "Nadia Needle", email=EMAIL, phone="+49 30 123987")
    # then: the API shows plaintext; the database file / dump holds neither value in any form
    assert (made["customer"]["email"], made["customer"]["phone"]) == (EMAIL.lower(), PHONE)
    assert _plain(raw_bytes(api)) == []
    async with api.db.session(all_tenants=True) as session:
        row = (await session.execute(text("SELECT email, phone, email_bidx, phone_bidx, search_text FROM customer "
                                          "WHERE name = 'Nadia Needle'"))).one()
    assert row.email.startswith("enc:v1:") and row.phone.startswith("enc:v1:")
    assert crypto.is_blind(row.email_bidx) and crypto.is_blind(row.phone_bidx)
    assert row.search_text == "nadia needle"
    # exact lookups go through the blind indexes: by phone in any writing, by email in any case
    for search in (PHONE, "+49 30 123987", "0049-30-123987", EMAIL.upper(), EMAIL.lower()):
        assert await _found(api, search) == ["Nadia Needle"], search
    # substring search on them is gone (documented); names still match by substring
    assert await _found(api, "needle.mail") == [] and await _found(api, "123987") == []
    assert await _found(api, "nadia") == ["Nadia Needle"]


async def test_duplicates_pair_on_blinded_phone_and_mailbox(
    api: Api, tenant: Tenant, chain: Chain, keyring: crypto.Keyring,
) -> None:
    first = (await _create(api, chain, "Anna Schmidt", email="anna.schmidt@gmail.com", phone="+4930111222"))
    # the same phone written otherwise, the same Gmail mailbox with dots and a plus tag
    same = await _create(api, chain, "Hanna Other", email="AnnaSchmidt+shop@googlemail.com", phone="+49 (30) 111-222")
    (warning,) = same["warnings"]
    assert warning["customer"]["id"] == first["customer"]["id"]
    assert set(warning["reasons"]) == {"SAME_PHONE", "SAME_EMAIL"}
    pairs = [e["node"] for e in (await api.ok(PAIRS))["duplicateCandidates"]["edges"]]
    assert [set(p["reasons"]) for p in pairs] == [{"SAME_PHONE", "SAME_EMAIL"}]
    raw = raw_bytes(api)
    assert b"annaschmidt@gmail.com" not in raw and b"anna.schmidt@gmail.com" not in raw


async def _analyze(api: Api) -> None:
    """Fresh planner statistics; on PostgreSQL only the owner may gather them (the app's role may not)."""
    if api.db.dialect == "sqlite":
        async with api.db.engine.begin() as conn:
            await conn.execute(text("ANALYZE"))
        return
    owner = Database(make_url(api.db.url).set(username=make_url(PG_URL).username).render_as_string(False))
    async with owner.engine.begin() as conn:
        await conn.execute(text("ANALYZE customer"))
    await owner.dispose()


async def test_the_bots_phone_lookup_stays_one_indexed_statement(
    api: Api, tenant: Tenant, chain: Chain, keyring: crypto.Keyring,
) -> None:
    for i in range(3):
        await _create(api, chain, f"Phone Owner {i}", phone=f"+493012398{i}")
    crypto.configure(None)
    await _create(api, chain, "Plain Owner", phone="+4930123999")
    crypto.configure(keyring.path)
    lookups: list[str] = []
    engine = api.db.engine.sync_engine

    def seen(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool) -> None:
        if "phone_bidx" in statement:
            lookups.append(statement)

    event.listen(engine, "before_cursor_execute", seen)
    try:
        sealed = await api.statements(FIND_CARD, {"search": "+4930123981"})
        plain = await api.statements(FIND_CARD, {"search": "+4930123999"})
        card = await api.ok(FIND_CARD, {"search": "+49 30 1239 81"})
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    assert [e["node"]["name"] for e in card["customers"]["edges"]] == ["Phone Owner 1"]
    # a row written before the keyring (plain keys) is found by the same statement until rekeyed
    assert sealed == plain
    assert len(lookups) == 3  # one lookup statement per operation
    # and that statement is an index lookup, on SQLite and on PostgreSQL
    viewer = Viewer(staff_id=tenant.admin_id, tenant_id=tenant.id, role=Role.ADMIN,
                    scope_node_id=tenant.root_id, scope_path=chain.nodes["HQ"].path)
    # (with the tenant condition every session adds to its statements)
    stmt = customer_query(viewer, CustomerFilterValues(search="+4930123981")).where(Customer.tenant_id == tenant.id)
    sql = str(stmt.compile(dialect=api.db.engine.dialect, compile_kwargs={"literal_binds": True}))
    sqlite = api.db.dialect == "sqlite"
    async with api.db.transaction(tenant_id=tenant.id) as session:  # enough rows for a plan to matter
        session.add_all(Customer(node_id=chain.nodes["DE-1"].id, name=f"Filler {i}", tags=[], attributes={},
                                 search_text=f"filler {i}", phone_bidx=f"{i:064x}") for i in range(2000))
    await _analyze(api)
    async with api.db.session(tenant_id=tenant.id) as session:
        plan = (await session.execute(text(("EXPLAIN QUERY PLAN " if sqlite else "EXPLAIN ") + sql))).all()
    assert "ix_customer_phone_bidx" in str(plan), plan


async def test_rotation_rekeys_customers_written_before_encryption_while_they_change(
    api: Api, tenant: Tenant, chain: Chain, keyring: crypto.Keyring,
) -> None:
    # given: 40 customers written with encryption off
    crypto.configure(None)
    made = [(await _create(api, chain, f"Early {i}", email=f"early{i}@example.org", phone=f"+4930555{i:03d}"))
            ["customer"]["id"] for i in range(40)]
    ring = crypto.configure(keyring.path)
    assert ring is not None and b"early7@example.org" in raw_bytes(api)
    assert await _found(api, "+4930555007") == ["Early 7"]  # plain keys still match meanwhile
    phones = {gid: f"+4930555{i:03d}" for i, gid in enumerate(made)}
    stop = asyncio.Event()

    async def writer() -> None:  # customers change their phone while the rotation runs
        i = 0
        while not stop.is_set():
            gid = made[i % len(made)]
            phones[gid] = f"+4930777{i % 1000:03d}"
            data = await api.ok(UPDATE, {"input": {"id": gid, "phone": phones[gid]}})
            assert data["updateCustomer"]["errors"] == [], data
            i += 1

    # when
    task = asyncio.create_task(writer())
    await asyncio.sleep(0.05)
    await reencrypt_all(api.db, batch=7, say=lambda _line: None)
    stop.set()
    await task
    # then: no customer row holds a plain value (audit entries written before encryption keep
    # theirs: the trail is append-only, docs/encryption.md), every customer reads back as last
    # written and is found whole
    async with api.db.session(all_tenants=True) as session:
        stored_rows = str((await session.execute(text("SELECT * FROM customer"))).all())
    assert not [p for p in (*phones.values(), *(f"early{i}@example.org" for i in range(40))) if p in stored_rows]
    async with api.db.session(tenant_id=tenant.id) as session:
        stored = dict((await session.execute(select(Customer.id, Customer.phone)
                                             .where(Customer.name.like("Early %")))).all())
    assert stored == {pk(gid): phone for gid, phone in phones.items()}
    for gid, phone in list(phones.items())[:10]:
        found = (await api.ok(SEARCH, {"search": phone}))["customers"]["edges"]
        assert [e["node"]["id"] for e in found] == [gid], phone
    assert await _found(api, "EARLY3@example.org") == ["Early 3"]
    assert await _found(api, "early3@") == []


async def test_email_shaped_searches_never_fault(api: Api, tenant: Tenant, chain: Chain, keyring: crypto.Keyring) -> None:
    await _create(api, chain, "Edge Case", email="edge@example.org")
    for search in ("@", "a@", "@b", "a@b", "a@@b.org", "x" * 400 + "@example.org", "edge@example.org\x00",
                   "ed ge@example.org", "edge@exämple.org", "+" * 50 + "@x.org"):
        body = await api.post(SEARCH, {"search": search})
        codes = [e.get("extensions", {}).get("code") for e in body.get("errors") or []]
        assert "INTERNAL" not in codes, (search, body)
        if not codes:
            assert body["data"]["customers"]["edges"] == [], search
    assert await _found(api, " EDGE@example.org ") == ["Edge Case"]

"""Encrypted at rest, plaintext to whoever may read it: API, GDPR export, CSV export; loud without the key."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import select, text

from db import crypto
from db.models.core import Role
from db.models.customers import Customer
from db.models.service import Interaction
from resolvers.bulk.export import export_customers
from resolvers.common.viewer import Viewer
from tests.conftest import Api, Tenant
from tests.encryption.conftest import (
    ATTRIBUTE,
    COMMENT,
    DESCRIPTION,
    READ,
    SUMMARY,
    plaintext_in,
    raw_bytes,
    write_contact_data,
)
from tests.orders.conftest import Chain


async def test_the_database_holds_no_plaintext_and_the_api_shows_it(
    api: Api, tenant: Tenant, chain: Chain, keyring: crypto.Keyring,
) -> None:
    # when
    written = await write_contact_data(api, chain)
    # then: readers see plaintext
    data = await api.ok(READ, {"id": written.customer, "ticket": written.ticket})
    assert data["customer"]["attributes"] == {"note": ATTRIBUTE, "vip": True}
    assert [e["node"]["summary"] for e in data["customer"]["interactions"]["edges"]] == [SUMMARY]
    assert data["ticket"] == {"description": DESCRIPTION, "comments": [{"body": COMMENT}]}
    # the GDPR export too
    export = await api.ok("query($id: ID!) { exportCustomer(id: $id) }", {"id": written.customer})
    dumped = str(export["exportCustomer"])
    for value in (SUMMARY, DESCRIPTION, COMMENT, ATTRIBUTE):
        assert value in dumped, value
    # but the stored bytes (tables, indexes, audit trail) hold none of it
    assert plaintext_in(raw_bytes(api)) == []
    async with api.db.session(all_tenants=True) as session:
        stored = (await session.execute(text("SELECT summary FROM interaction"))).scalar_one()
    assert stored.startswith(f"enc:v{keyring.current}:")


async def test_the_csv_export_shows_plaintext_attributes(
    api: Api, tenant: Tenant, chain: Chain, keyring: crypto.Keyring,
) -> None:
    await write_contact_data(api, chain)
    viewer = Viewer(staff_id=tenant.admin_id, tenant_id=tenant.id, role=Role.ADMIN,
                    scope_node_id=tenant.root_id, scope_path=chain.nodes["HQ"].path)
    out = io.StringIO()
    await export_customers(api.db, viewer, out, node_code=None, fmt="csv")
    assert ATTRIBUTE in out.getvalue()
    assert "enc:v" not in out.getvalue()


async def test_a_value_whose_key_is_missing_fails_loudly_never_shows_ciphertext(
    api: Api, tenant: Tenant, chain: Chain, keyring: crypto.Keyring,
) -> None:
    written = await write_contact_data(api, chain)
    # when: the server runs without the keyring
    crypto.configure(None)
    with pytest.raises(crypto.MissingKey, match="interaction.summary holds encrypted values but no keyring"):
        async with api.db.session(tenant_id=tenant.id) as session:
            await session.scalar(select(Interaction.summary))
    body = await api.post(READ, {"id": written.customer, "ticket": written.ticket})
    assert body.get("errors"), body
    assert "enc:v" not in str(body)
    # or with a keyring lacking the version
    other = crypto.Keyring.generate(keyring.path.with_name("other.keys"))
    other.keys = {7: other.keys[1]}
    other.current = 7
    other.save()
    crypto.configure(other.path)
    with pytest.raises(crypto.MissingKey, match=r"key version 1, which keyring .* does not hold \(versions \[7\]\)"):
        async with api.db.session(tenant_id=tenant.id) as session:
            await session.scalar(select(Customer.attributes).where(Customer.attributes != None))  # noqa: E711


async def test_the_audit_trail_records_the_change_not_the_value(
    api: Api, tenant: Tenant, chain: Chain, keyring: crypto.Keyring,
) -> None:
    await write_contact_data(api, chain)
    async with api.db.session(all_tenants=True) as session:
        rows = (await session.execute(text("SELECT entity_type, changes FROM audit_entry"))).all()
    interaction = [r for r in rows if r[0] == "Interaction"]
    assert interaction and "summary" in str(interaction[0][1])
    assert not any(n in str(rows) for n in (SUMMARY, DESCRIPTION, COMMENT, ATTRIBUTE))


async def test_a_text_that_looks_sealed_reads_back_as_written_with_encryption_off(
    api: Api, tenant: Tenant, chain: Chain,
) -> None:
    from tests.encryption.conftest import LOG

    looks_sealed = ["enc:v1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "enc:p:x", "enc:other"]
    for summary in looks_sealed:
        data = await api.ok(LOG, {"input": {"customerId": chain.customer("alice"), "kind": "NOTE", "summary": summary}})
        assert data["logInteraction"]["errors"] == [], data
    listed = await api.ok("""query($id: ID!) { node(id: $id) { ... on Customer {
      interactions(first: 10) { edges { node { summary } } } } } }""", {"id": chain.customer("alice")})
    assert sorted(e["node"]["summary"] for e in listed["node"]["interactions"]["edges"]) == sorted(looks_sealed)

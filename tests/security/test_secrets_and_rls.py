"""Secrets never stored or logged in clear; PostgreSQL's row-level security as a second wall."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import text

from db import rls
from db.base import Base
from db.models.core import Role
from schema.relay import to_global_id
from tests.conftest import PASSWORD, Api, Tenant
from tests.security.conftest import all_rows
from tests.security.harness import add_customer, add_node

LOGIN = "mutation($p: String!) { login(input: {email: \"admin@acme.example\", password: $p}) { token errors { code } } }"
CREATE_TOKEN = 'mutation { createApiToken(input: {name: "erp"}) { token errors { code } } }'
CUSTOMER = "query($id: ID!) { node(id: $id) { ... on Customer { name email phone } } }"


async def test_no_password_or_token_in_logs_audit_or_events(
    api: Api, tenant: Tenant, caplog: pytest.LogCaptureFixture
) -> None:
    # given
    caplog.set_level(logging.DEBUG)
    # when
    login = (await api.ok(LOGIN, {"p": PASSWORD}, token=None))["login"]
    wrong = (await api.ok(LOGIN, {"p": "not-the-password"}, token=None))["login"]
    created = (await api.ok(CREATE_TOKEN))["createApiToken"]
    # then
    secrets = [PASSWORD, "not-the-password", login["token"], created["token"], tenant.token]
    assert wrong["errors"][0]["code"] == "INVALID"
    logged = " ".join(f"{r.getMessage()} {r.__dict__}" for r in caplog.records)
    stored = str(await all_rows(api))
    for secret in secrets:
        assert secret not in logged
        assert secret not in stored
    staff = (await all_rows(api))["staff"][0]
    assert staff["password_hash"].startswith("$argon2id$")


async def test_integrators_see_masked_contacts_unless_granted(api: Api, tenant: Tenant) -> None:
    # given
    store = await add_node(api, tenant.id, tenant.root_id, "S1", "Store")
    customer_id = await add_customer(api, tenant.id, store.id, name="Ann", email="ann@example.com", phone="+4930123456")
    integrator = await api.make_staff(tenant, role=Role.INTEGRATOR, scope_node_id=tenant.root_id)
    gid = to_global_id("Customer", customer_id)
    # when
    masked = (await api.ok(CUSTOMER, {"id": gid}, token=integrator))["node"]
    clear = (await api.ok(CUSTOMER, {"id": gid}))["node"]
    # then
    assert masked == {"name": "Ann", "email": "a***@example.com", "phone": "+49***56"}
    assert clear["email"] == "ann@example.com"


async def test_row_level_security_hides_other_tenants_from_raw_sql(api: Api, tenant: Tenant) -> None:
    if api.db.dialect != "postgresql":
        pytest.skip("row-level security is PostgreSQL's")
    # given
    other = await api.make_tenant("other")
    for t in (tenant, other):
        store = await add_node(api, t.id, t.root_id, "S1", "Store")
        await add_customer(api, t.id, store.id, name=f"C {t.slug}", email=f"c@{t.slug}.example", phone="+4930111222")
    count = text("SELECT count(*) FROM customer")
    # when: raw SQL, which the ORM's tenant filter never sees
    async with api.db.session(tenant_id=tenant.id) as session:
        own = await session.scalar(count)
        session.info["tenant_id"] = other.id  # switched mid-transaction: the wall follows
        switched = await session.scalar(text("SELECT count(*) FROM customer WHERE tenant_id = :t"), {"t": other.id})
        await session.commit()
    async with api.db.session() as session:
        none = await session.scalar(count)
        await session.commit()
    async with api.db.session(all_tenants=True) as session:
        everyone = await session.scalar(count)
        with pytest.raises(Exception, match="row-level security"):
            await session.execute(text("SELECT set_config('canopy.all_tenants', 'off', true)"))
            await session.execute(text(
                "INSERT INTO tier_node (tenant_id, id, code, name, kind, path, depth, created_at, updated_at) "
                f"VALUES ({other.id}, 1, 'X', 'x', 'x', '/x/', 0, now(), now())"
            ))
    # then
    assert (own, switched, none, everyone) == (1, 1, 0, 2)
    async with api.db.session(all_tenants=True) as session:
        flags = dict((await session.execute(text(
            "SELECT relname, relforcerowsecurity FROM pg_class WHERE relrowsecurity"
            " AND relnamespace = current_schema()::regnamespace"
        ))).all())
        role = (await session.execute(text(
            "SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user"
        ))).one()
    assert flags == {name: True for name, _ in rls.tenant_tables(Base.metadata)}
    assert tuple(role) == (False, False)


async def test_tenant_settings_are_not_counted_as_request_sql(api: Api, tenant: Tenant) -> None:
    # the per-transaction set_config of db/tenancy.py is bookkeeping: both backends count the same
    assert await api.statements("{ me { email scope { code } } }") == 2


async def test_event_payloads_are_masked_like_fields() -> None:
    from resolvers.common.pii import mask_payload
    from resolvers.common.viewer import Viewer

    data = {"name": "Ann", "email": "ann@example.com", "changes": [{"phone": "+4930123456"}]}
    integrator = Viewer(staff_id=1, tenant_id=1, role=Role.INTEGRATOR, scope_node_id=1, scope_path="/a/")
    granted = Viewer(staff_id=1, tenant_id=1, role=Role.INTEGRATOR, scope_node_id=1, scope_path="/a/",
                     grants=frozenset({"pii"}))
    assert mask_payload(integrator, data) == {
        "name": "Ann", "email": "a***@example.com", "changes": [{"phone": "+49***56"}]
    }
    assert mask_payload(granted, data) == data

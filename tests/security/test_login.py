"""Login throttling (lock per account and per address, audited, lifting after its time) and the password policy."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from db.base import utcnow
from db.models.core import AuditEntry, Staff
from resolvers.core import throttle
from schema.relay import to_global_id
from tests.conftest import PASSWORD, Api, Tenant

LOGIN = """mutation($email: String!, $password: String!, $tenant: String) {
  login(input: {email: $email, password: $password, tenant: $tenant}) { token errors { code field message } } }"""
CREATE_STAFF = """mutation($input: CreateStaffInput!) {
  createStaff(input: $input) { staff { id } errors { code field message } } }"""


async def attempt(api: Api, email: str, password: str, tenant: str | None = None) -> dict:
    return (await api.ok(LOGIN, {"email": email, "password": password, "tenant": tenant}, token=None))["login"]


def at(monkeypatch: pytest.MonkeyPatch, minutes: float) -> None:
    later = utcnow() + timedelta(minutes=minutes)
    monkeypatch.setattr(throttle, "clock", lambda: later)


async def test_account_locks_after_five_failures_is_audited_and_lifts(
    api: Api, tenant: Tenant, monkeypatch: pytest.MonkeyPatch,
) -> None:
    email = "admin@acme.example"
    # when: ACCOUNT.failures wrong passwords
    answers = [await attempt(api, email, f"wrong-{i}") for i in range(throttle.ACCOUNT.failures)]
    # then: each is the plain wrong-password answer, and now even the right one is refused
    assert {a["errors"][0]["code"] for a in answers} == {"INVALID"}
    locked = await attempt(api, email, PASSWORD)
    assert locked["token"] is None and locked["errors"][0]["code"] == "FORBIDDEN"
    assert "too many failed logins" in locked["errors"][0]["message"]
    async with api.db.session(tenant_id=tenant.id) as session:
        rows = (await session.scalars(select(AuditEntry).where(AuditEntry.operation == "loginLocked"))).all()
    assert [(r.entity_type, r.entity_id) for r in rows] == [("Staff", tenant.admin_id)]
    assert "login_locked_until" in rows[0].changes
    # still locked just before the lock's end, open after it
    at(monkeypatch, throttle.ACCOUNT.lock.total_seconds() / 60 - 1)
    assert (await attempt(api, email, PASSWORD))["errors"][0]["code"] == "FORBIDDEN"
    at(monkeypatch, throttle.ACCOUNT.lock.total_seconds() / 60 + 1)
    ok = await attempt(api, email, PASSWORD)
    assert ok["errors"] == [] and ok["token"]


async def test_unknown_email_answers_and_locks_like_a_known_one(api: Api, tenant: Tenant) -> None:
    known = [await attempt(api, "admin@acme.example", "wrong-pass") for _ in range(throttle.ACCOUNT.failures + 1)]
    unknown = [await attempt(api, "nobody@acme.example", "wrong-pass") for _ in range(throttle.ACCOUNT.failures + 1)]
    assert known == unknown
    assert known[-1]["errors"][0]["code"] == "FORBIDDEN"


async def test_success_resets_the_account_count(api: Api, tenant: Tenant) -> None:
    for _ in range(2):
        for _ in range(throttle.ACCOUNT.failures - 1):
            assert (await attempt(api, "admin@acme.example", "wrong-pass"))["errors"][0]["code"] == "INVALID"
        assert (await attempt(api, "admin@acme.example", PASSWORD))["errors"] == []


async def test_address_locks_across_accounts(
    api: Api, tenant: Tenant, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(throttle, "ADDRESS", throttle.Limit(3, timedelta(minutes=15), timedelta(minutes=15)))
    for i in range(3):  # three accounts, one failure each: under the account limit
        assert (await attempt(api, f"user{i}@acme.example", "wrong-pass"))["errors"][0]["code"] == "INVALID"
    assert (await attempt(api, "admin@acme.example", PASSWORD))["errors"][0]["code"] == "FORBIDDEN"


async def test_email_in_two_tenants(api: Api, tenant: Tenant) -> None:
    await api.make_tenant("other")
    both = "admin@acme.example"
    # make_tenant's admin is admin@<slug>.example: give the second tenant's admin the first's email
    async with api.db.transaction(all_tenants=True) as session:
        await session.execute(update(Staff).where(Staff.email == "admin@other.example").values(email=both))
    conflict = await attempt(api, both, PASSWORD)
    assert [(e["code"], e["field"]) for e in conflict["errors"]] == [("CONFLICT", ["tenant"])]
    assert (await attempt(api, both, PASSWORD, tenant="other"))["errors"] == []
    # a wrong password answers as for any account, never naming the tenants
    assert (await attempt(api, both, "wrong-pass")) == (await attempt(api, "nobody@x.example", "wrong-pass"))


@pytest.mark.parametrize("password", ["password123", "        ", "acmeacme", "short"])
async def test_weak_passwords_are_refused(api: Api, tenant: Tenant, password: str) -> None:
    payload = (await api.ok(CREATE_STAFF, {"input": {
        "name": "Lena Weber", "email": "lena@acme.example", "role": "SALES",
        "scopeNodeId": to_global_id("TierNode", tenant.root_id), "password": password,
    }}))["createStaff"]
    assert payload["staff"] is None
    assert [(e["code"], e["field"]) for e in payload["errors"]] == [("INVALID", ["password"])]


async def test_strong_password_is_accepted(api: Api, tenant: Tenant) -> None:
    payload = (await api.ok(CREATE_STAFF, {"input": {
        "name": "Lena Weber", "email": "lena@acme.example", "role": "SALES",
        "scopeNodeId": to_global_id("TierNode", tenant.root_id), "password": "violet tram sings loudly",
    }}))["createStaff"]
    assert payload["errors"] == [] and payload["staff"]["id"]
    assert (await attempt(api, "lena@acme.example", "violet tram sings loudly"))["errors"] == []

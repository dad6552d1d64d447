"""updateStaff: inputs checked with their field, audited; the tenant keeps a root ADMIN, even under races."""

from __future__ import annotations

import asyncio

from sqlalchemy import select

from db.models.core import AuditEntry, Role
from schema.relay import decode_id
from tests.conftest import Api, Tenant
from tests.staff.world import build_chain, member

UPDATE = """mutation($input: UpdateStaffInput!) { updateStaff(input: $input) {
  staff { name locale timeZone role scope { code } } errors { code field message } } }"""
DEACTIVATE = "mutation($id: ID!) { deactivateStaff(input: {id: $id}) { errors { code field message } } }"


async def _update(api: Api, token: str | None = "default", **fields: object) -> dict:
    return (await api.ok(UPDATE, {"input": fields}, token=token))["updateStaff"]


def _codes(payload: dict) -> list[tuple[str, list[str] | None]]:
    return [(e["code"], e["field"]) for e in payload["errors"]]


async def test_changes_are_normalised_and_audited_without_secrets(api: Api, tenant: Tenant) -> None:
    chain = await build_chain(api, tenant)
    payload = await _update(api, id=chain.sales.id, name="  Sam Sales ", locale="zh_cn", timeZone="Asia/Shanghai",
                            role="SUPPORT", scopeNodeId=chain.nodes["NORTH"])
    assert payload == {"staff": {"name": "Sam Sales", "locale": "zh-CN", "timeZone": "Asia/Shanghai",
                                 "role": "SUPPORT", "scope": {"code": "NORTH"}}, "errors": []}
    cleared = await _update(api, id=chain.sales.id, timeZone=None)
    assert cleared["staff"]["timeZone"] is None
    async with api.db.session(tenant_id=tenant.id) as session:
        rows = (await session.scalars(select(AuditEntry).where(
            AuditEntry.operation == "updateStaff").order_by(AuditEntry.id))).all()
    assert [r.entity_id for r in rows] == [decode_id(chain.sales.id, "Staff")] * 2
    assert rows[0].changes["role"] == ["SALES", "SUPPORT"] and rows[0].changes["locale"] == ["en", "zh-CN"]
    assert rows[1].changes == {"time_zone": ["Asia/Shanghai", None]}
    assert all("password_hash" not in r.changes for r in rows)


async def test_bad_inputs_are_field_errors_and_change_nothing(api: Api, tenant: Tenant) -> None:
    chain = await build_chain(api, tenant)
    cases = [
        ({"name": "   "}, [("INVALID", ["name"])]),
        ({"name": "x" * 201}, [("INVALID", ["name"])]),
        ({"name": None}, [("INVALID", ["name"])]),
        ({"locale": "<script>"}, [("INVALID", ["locale"])]),
        ({"locale": "x" * 40}, [("INVALID", ["locale"])]),
        ({"locale": None}, [("INVALID", ["locale"])]),
        ({"timeZone": "Mars/Olympus"}, [("INVALID", ["timeZone"])]),
        ({"timeZone": "x" * 100}, [("INVALID", ["timeZone"])]),
        ({"role": None}, [("INVALID", ["role"])]),
        ({"scopeNodeId": None}, [("INVALID", ["scopeNodeId"])]),
        ({"scopeNodeId": "bm9wZQ"}, [("NOT_FOUND", ["scopeNodeId"])]),
        ({"scopeNodeId": chain.sales.id}, [("NOT_FOUND", ["scopeNodeId"])]),  # an id of another type
        ({"name": "", "locale": "??", "timeZone": "?"},
         [("INVALID", ["name"]), ("INVALID", ["locale"]), ("INVALID", ["timeZone"])]),
    ]
    for fields, want in cases:
        payload = await _update(api, id=chain.sales.id, **fields)
        assert _codes(payload) == want, (fields, payload)
        assert payload["staff"] is None
    # the role value itself is checked by GraphQL (an enum): a top-level BAD_USER_INPUT-like error
    body = await api.post(UPDATE, {"input": {"id": chain.sales.id, "role": "OWNER"}})
    assert body.get("data") is None and body["errors"]
    async with api.db.session(tenant_id=tenant.id) as session:
        assert (await session.scalars(select(AuditEntry).where(AuditEntry.operation == "updateStaff"))).all() == []
    # a staff id that is hidden from the caller answers exactly like one that does not exist
    hidden = await _update(api, chain.manager.token, id=chain.support.id, name="x")
    missing = await _update(api, chain.manager.token, id="U3RhZmY6MTIz", name="x")
    assert hidden == missing == {"staff": None, "errors": [
        {"code": "NOT_FOUND", "field": ["id"], "message": "staff member not found"}]}


async def test_the_last_root_admin_stays_an_active_root_admin(api: Api, tenant: Tenant) -> None:
    chain = await build_chain(api, tenant)
    for fields in ({"role": "MANAGER"}, {"scopeNodeId": chain.nodes["NORTH"]}):
        payload = await _update(api, id=chain.admin.id, **fields)
        assert [e["code"] for e in payload["errors"]] == ["CONFLICT"], payload
    # with a second root admin, the first may step down
    second = await member(api, tenant, Role.ADMIN, tenant.root_id, "second.admin@acme.example")
    assert (await _update(api, second.token, id=chain.admin.id, role="MANAGER"))["errors"] == []
    off = (await api.ok(DEACTIVATE, {"id": second.id}, token=second.token))["deactivateStaff"]
    assert [e["code"] for e in off["errors"]] == ["FORBIDDEN"]  # not oneself


async def test_two_admins_deactivating_each_other_at_once_leave_one(api: Api, tenant: Tenant) -> None:
    # given: exactly two active root admins
    chain = await build_chain(api, tenant)
    second = await member(api, tenant, Role.ADMIN, tenant.root_id, "second.admin@acme.example")
    # when: each deactivates the other at the same moment
    one, two = await asyncio.gather(
        api.post(DEACTIVATE, {"id": second.id}, token=chain.admin.token),
        api.post(DEACTIVATE, {"id": chain.admin.id}, token=second.token),
    )

    def outcome(body: dict) -> str:
        if body.get("errors"):  # the other committed first: this caller's token is gone
            return body["errors"][0]["extensions"]["code"]
        return ",".join(e["code"] for e in body["data"]["deactivateStaff"]["errors"]) or "done"

    # then: exactly one won; the other was refused or found itself locked out; nothing faulted
    outcomes = sorted([outcome(one), outcome(two)])
    assert outcomes[0] in ("CONFLICT", "UNAUTHENTICATED") and outcomes[1] == "done", outcomes
    winner = chain.admin.token if outcome(one) == "done" else second.token
    listed = await api.ok("{ staff(filter: {role: ADMIN, active: true}) { totalCount } }", token=winner)
    assert listed["staff"]["totalCount"] == 1

"""Existence oracles: a staff member or coupon the caller may not see answers exactly as a missing id."""

from __future__ import annotations

from datetime import timedelta

import pytest

from db.base import utcnow
from db.models.core import Role
from schema.relay import to_global_id
from tests.conftest import Api, Tenant
from tests.pipeline.conftest import add_customer, add_node, add_staff

OPPORTUNITY = """mutation($input: CreateOpportunityInput!) {
  createOpportunity(input: $input) { opportunity { id } errors { code field message } } }"""
TASK = """mutation($input: CreateTaskInput!) {
  createTask(input: $input) { task { id } errors { code field message } } }"""
MISSING = to_global_id("Staff", 987654321)


@pytest.mark.parametrize(("mutation", "name", "field", "extra"), [
    (OPPORTUNITY, "createOpportunity", "ownerId", {"title": "Deal", "amount": "10"}),
    (TASK, "createTask", "assigneeId", {"title": "Call", "dueAt": (utcnow() + timedelta(days=1)).isoformat()}),
])
async def test_out_of_scope_staff_answers_as_missing(
    api: Api, tenant: Tenant, mutation: str, name: str, field: str, extra: dict,
) -> None:
    near = await add_node(api, tenant, tenant.root_id, "NEAR")
    away = await add_node(api, tenant, tenant.root_id, "AWAY")
    customer = await add_customer(api, tenant, near, "Nina Near")
    manager, _ = await add_staff(api, tenant, Role.MANAGER, near)
    _, hidden = await add_staff(api, tenant, Role.SALES, away)  # its name must not come back
    _, below = await add_staff(api, tenant, Role.SALES, await add_node(api, tenant, near, "OTHER"))

    async def answer(staff_id: str) -> list:
        data = await api.ok(mutation, {"input": {"customerId": customer, field: staff_id, **extra}}, token=manager)
        return data[name]["errors"]

    # when / then: byte for byte the answer to an id that does not exist
    missing = await answer(MISSING)
    assert [(e["code"], e["field"]) for e in missing] == [("NOT_FOUND", [field])]
    assert await answer(hidden) == missing
    # a staff member the manager may see gets the specific reason, without a name
    visible = await answer(below)
    assert [e["code"] for e in visible] == ["INVALID"] and "Sales" not in visible[0]["message"]

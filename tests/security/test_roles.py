"""Roles: a forbidden mutation is a FORBIDDEN UserError and writes nothing."""

from __future__ import annotations

from db.models.core import Role
from schema.relay import to_global_id
from tests.conftest import Api, Tenant
from tests.security.harness import row_counts

CREATE_STAFF = """mutation($scope: ID!, $role: Role!) {
  createStaff(input: {name: "New", email: "new@acme.example", role: $role, scopeNodeId: $scope}) {
    staff { id } errors { code } } }"""


async def test_forbidden_mutations_are_user_errors_and_write_nothing(api: Api, tenant: Tenant) -> None:
    # given
    scope = to_global_id("TierNode", tenant.root_id)
    sales = await api.make_staff(tenant, role=Role.SALES, scope_node_id=tenant.root_id)
    manager = await api.make_staff(tenant, role=Role.MANAGER, scope_node_id=tenant.root_id)
    before = await row_counts(api)
    # when
    by_sales = (await api.ok(CREATE_STAFF, {"scope": scope, "role": "SUPPORT"}, token=sales))["createStaff"]
    admin_by_manager = (await api.ok(CREATE_STAFF, {"scope": scope, "role": "ADMIN"}, token=manager))["createStaff"]
    # then
    assert by_sales == {"staff": None, "errors": [{"code": "FORBIDDEN"}]}
    assert admin_by_manager == {"staff": None, "errors": [{"code": "FORBIDDEN"}]}
    assert await row_counts(api) == before

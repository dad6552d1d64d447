"""Staff authority: every caller role x every target role x inside/outside the caller's scope.

Callers sit at REGION; "inside" targets at STORE (under REGION), "outside" targets at
SIBLING (beside REGION). The expected answer of each cell follows docs/security.md:
  - a role without staff.write / token.others is FORBIDDEN before anything is looked up;
  - an out-of-scope target answers NOT_FOUND (as a missing id);
  - inside: an ADMIN may act on anyone, a MANAGER on anyone but an ADMIN.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from db.base import new_id
from db.models.core import Role, Staff
from db.models.tree import TierNode, path_segment
from resolvers.core.auth import issue_token
from schema.relay import to_global_id
from tests.conftest import Api, Tenant

ROLES = list(Role)
CREATE_TOKEN = """mutation($input: CreateApiTokenInput!) {
  createApiToken(input: $input) { token errors { code field message } } }"""
REVOKE = """mutation($input: RevokeApiTokenInput!) {
  revokeApiToken(input: $input) { apiToken { id } errors { code field message } } }"""
CREATE_STAFF = """mutation($input: CreateStaffInput!) {
  createStaff(input: $input) { staff { id role } errors { code field message } } }"""
ME = "{ me { role scope { code } } }"


@dataclass
class Member:
    id: str
    token: str
    token_id: str
    role: Role


async def _node(api: Api, tenant: Tenant, parent_id: int, code: str) -> int:
    async with api.db.transaction(tenant_id=tenant.id) as session:
        parent = await session.get(TierNode, (tenant.id, parent_id))
        assert parent is not None
        node_id = new_id()
        session.add(TierNode(id=node_id, parent_id=parent_id, code=code, name=code, kind="store",
                             path=f"{parent.path}{path_segment(node_id)}/", depth=parent.depth + 1))
    return node_id


async def _member(api: Api, tenant: Tenant, role: Role, node_id: int) -> Member:
    """A staff member without a password (no argon2) and their API token."""
    async with api.db.transaction(tenant_id=tenant.id) as session:
        staff = Staff(name=f"{role.value} {uuid.uuid4().hex[:4]}", role=role, scope_node_id=node_id,
                      email=f"{uuid.uuid4().hex[:10]}@acme.example")
        session.add(staff)
        await session.flush()
        secret, token = await issue_token(session, staff, name="t")
        return Member(to_global_id("Staff", staff.id), secret, to_global_id("ApiToken", token.id), role)


async def _world(api: Api, tenant: Tenant) -> tuple[dict[Role, Member], dict[str, dict[Role, Member]], dict[str, int]]:
    region = await _node(api, tenant, tenant.root_id, "REGION")
    nodes = {"inside": await _node(api, tenant, region, "STORE"),
             "outside": await _node(api, tenant, tenant.root_id, "SIBLING")}
    callers = {role: await _member(api, tenant, role, region) for role in ROLES}
    targets = {where: {role: await _member(api, tenant, role, node) for role in ROLES}
               for where, node in nodes.items()}
    return callers, targets, nodes


def expected(caller: Role, target: Role, where: str, *, action_allowed: bool) -> str | None:
    """The code of the one error, or None for success."""
    if not action_allowed:
        return "FORBIDDEN"
    if where == "outside":
        return "NOT_FOUND"
    if caller is Role.ADMIN or (caller is Role.MANAGER and target is not Role.ADMIN):
        return None
    return "FORBIDDEN"


def _errors(payload: dict, field: str) -> list[str]:
    """Codes of the errors; a NOT_FOUND must name the id's field, as for a missing id."""
    for e in payload["errors"]:
        if e["code"] == "NOT_FOUND":
            assert e["field"] == [field], e
    return [e["code"] for e in payload["errors"]]


async def test_create_api_token_matrix(api: Api, tenant: Tenant) -> None:
    callers, targets, _ = await _world(api, tenant)
    wrong: list[str] = []
    for caller in ROLES:
        for where, by_role in targets.items():
            for target, member in by_role.items():
                # when
                payload = (await api.ok(CREATE_TOKEN, {"input": {"name": "x", "staffId": member.id}},
                                        token=callers[caller].token))["createApiToken"]
                # then
                others = caller in (Role.ADMIN, Role.MANAGER)
                want = expected(caller, target, where, action_allowed=others)
                got = _errors(payload, "staffId")
                if got != ([want] if want else []):
                    wrong.append(f"{caller}->{target}@{where}: {got} != {want}")
                elif want is None:  # the token works and stands for the target, never above the caller
                    me = (await api.ok(ME, token=payload["token"]))["me"]
                    assert me["role"] == target.value and me["scope"]["code"] == "STORE"
                else:
                    assert payload["token"] is None
    assert wrong == []
    # everyone may still make a token for themselves, at their own role
    for role, member in callers.items():
        payload = (await api.ok(CREATE_TOKEN, {"input": {"name": "mine"}}, token=member.token))["createApiToken"]
        assert payload["errors"] == [] and (await api.ok(ME, token=payload["token"]))["me"]["role"] == role.value


async def test_revoke_api_token_matrix(api: Api, tenant: Tenant) -> None:
    callers, targets, _ = await _world(api, tenant)
    wrong: list[str] = []
    for caller in ROLES:
        for where, by_role in targets.items():
            for target, member in by_role.items():
                payload = (await api.ok(REVOKE, {"input": {"id": member.token_id}},
                                        token=callers[caller].token))["revokeApiToken"]
                others = caller in (Role.ADMIN, Role.MANAGER)
                # Without token.others a caller still learns nothing of out-of-scope tokens.
                want = expected(caller, target, where, action_allowed=others or where == "outside")
                got = _errors(payload, "id")
                if got != ([want] if want else []):
                    wrong.append(f"{caller}->{target}@{where}: {got} != {want}")
                alive = (await api.post(ME, token=member.token)).get("data") is not None
                if alive != (want is not None):
                    wrong.append(f"{caller}->{target}@{where}: token alive={alive}")
                if want is None:  # give the target a fresh token for the next caller
                    member.token, member.token_id = await _reissue(api, tenant, member)
    assert wrong == []
    own = callers[Role.SALES]
    payload = (await api.ok(REVOKE, {"input": {"id": own.token_id}}, token=own.token))["revokeApiToken"]
    assert payload["errors"] == []


async def _reissue(api: Api, tenant: Tenant, member: Member) -> tuple[str, str]:
    from schema.relay import decode_id

    async with api.db.transaction(tenant_id=tenant.id) as session:
        staff = await session.get(Staff, (tenant.id, decode_id(member.id, "Staff")))
        assert staff is not None
        secret, token = await issue_token(session, staff, name="t")
        return secret, to_global_id("ApiToken", token.id)


async def test_create_staff_matrix(api: Api, tenant: Tenant) -> None:
    callers, _, nodes = await _world(api, tenant)
    wrong: list[str] = []
    for caller in ROLES:
        for where, node in nodes.items():
            for target in ROLES:
                payload = (await api.ok(CREATE_STAFF, {"input": {
                    "name": "New Person", "email": f"{uuid.uuid4().hex[:10]}@acme.example",
                    "role": target.value, "scopeNodeId": to_global_id("TierNode", node),
                }}, token=callers[caller].token))["createStaff"]
                writes = caller in (Role.ADMIN, Role.MANAGER)
                want = expected(caller, target, where, action_allowed=writes)
                got = _errors(payload, "scopeNodeId")
                if got != ([want] if want else []):
                    wrong.append(f"{caller}->{target}@{where}: {got} != {want}")
                if want is None:
                    assert payload["staff"]["role"] == target.value
    assert wrong == []
    # nobody raises anyone to their own scope's parent: a manager cannot place staff at the root
    payload = (await api.ok(CREATE_STAFF, {"input": {
        "name": "Up", "email": "up@acme.example", "role": "SALES",
        "scopeNodeId": to_global_id("TierNode", tenant.root_id),
    }}, token=callers[Role.MANAGER].token))["createStaff"]
    assert _errors(payload, "scopeNodeId") == ["NOT_FOUND"]

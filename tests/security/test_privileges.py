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


# ---------- staff management: updateStaff, deactivateStaff, reactivateStaff, resetStaffPassword ----------

UPDATE_STAFF = """mutation($input: UpdateStaffInput!) {
  updateStaff(input: $input) { staff { name role scope { code } } errors { code field message } } }"""
DEACTIVATE = """mutation($id: ID!) { deactivateStaff(input: {id: $id}) {
  staff { active } errors { code field message } } }"""
REACTIVATE = """mutation($id: ID!) { reactivateStaff(input: {id: $id}) {
  staff { active } errors { code field message } } }"""
RESET = """mutation($id: ID!) { resetStaffPassword(input: {id: $id}) {
  password staff { mustChangePassword } errors { code field message } } }"""
STATE = "query($id: ID!) { node(id: $id) { ... on Staff { name active } } }"


async def _state(api: Api, tenant: Tenant, member: Member) -> dict:
    return (await api.ok(STATE, {"id": member.id}, token=tenant.token))["node"]


def _want(caller: Role, target: Role, where: str) -> str | None:
    return expected(caller, target, where, action_allowed=caller in (Role.ADMIN, Role.MANAGER))


async def test_update_staff_matrix(api: Api, tenant: Tenant) -> None:
    callers, targets, _ = await _world(api, tenant)
    wrong: list[str] = []
    for caller in ROLES:
        for where, by_role in targets.items():
            for target, member in by_role.items():
                before = (await _state(api, tenant, member))["name"]
                payload = (await api.ok(UPDATE_STAFF, {"input": {"id": member.id, "name": f"by {caller.value}"}},
                                        token=callers[caller].token))["updateStaff"]
                want = _want(caller, target, where)
                got = _errors(payload, "id")
                after = (await _state(api, tenant, member))["name"]
                if got != ([want] if want else []) or (after == f"by {caller.value}") != (want is None):
                    wrong.append(f"{caller}->{target}@{where}: {got} != {want}, name {before!r} -> {after!r}")
    assert wrong == []


async def test_deactivate_staff_matrix(api: Api, tenant: Tenant) -> None:
    callers, targets, _ = await _world(api, tenant)
    wrong: list[str] = []
    for caller in ROLES:
        for where, by_role in targets.items():
            for target, member in by_role.items():
                payload = (await api.ok(DEACTIVATE, {"id": member.id}, token=callers[caller].token))["deactivateStaff"]
                want = _want(caller, target, where)
                got = _errors(payload, "id")
                alive = (await api.post(ME, token=member.token)).get("data") is not None
                active = (await _state(api, tenant, member))["active"]
                if got != ([want] if want else []) or alive != (want is not None) or active != (want is not None):
                    wrong.append(f"{caller}->{target}@{where}: {got} != {want}, token alive={alive}, active={active}")
                if want is None:  # back for the next caller, with a fresh token
                    assert (await api.ok(REACTIVATE, {"id": member.id}))["reactivateStaff"]["errors"] == []
                    member.token, member.token_id = await _reissue(api, tenant, member)
    assert wrong == []


async def test_reactivate_staff_matrix(api: Api, tenant: Tenant) -> None:
    callers, targets, _ = await _world(api, tenant)
    for by_role in targets.values():
        for member in by_role.values():
            assert (await api.ok(DEACTIVATE, {"id": member.id}))["deactivateStaff"]["errors"] == []
    wrong: list[str] = []
    for caller in ROLES:
        for where, by_role in targets.items():
            for target, member in by_role.items():
                payload = (await api.ok(REACTIVATE, {"id": member.id}, token=callers[caller].token))["reactivateStaff"]
                want = _want(caller, target, where)
                got = _errors(payload, "id")
                active = (await _state(api, tenant, member))["active"]
                if got != ([want] if want else []) or active != (want is None):
                    wrong.append(f"{caller}->{target}@{where}: {got} != {want}, active={active}")
                if want is None:
                    assert (await api.ok(DEACTIVATE, {"id": member.id}))["deactivateStaff"]["errors"] == []
    assert wrong == []


async def test_reset_staff_password_matrix(api: Api, tenant: Tenant) -> None:
    callers, targets, _ = await _world(api, tenant)
    wrong: list[str] = []
    for caller in ROLES:
        for where, by_role in targets.items():
            for target, member in by_role.items():
                payload = (await api.ok(RESET, {"id": member.id}, token=callers[caller].token))["resetStaffPassword"]
                want = _want(caller, target, where)
                got = _errors(payload, "id")
                alive = (await api.post(ME, token=member.token)).get("data") is not None
                shown = payload["password"] is not None
                if got != ([want] if want else []) or alive != (want is not None) or shown != (want is None):
                    wrong.append(f"{caller}->{target}@{where}: {got} != {want}, token alive={alive}, shown={shown}")
                if want is None:
                    member.token, member.token_id = await _reissue(api, tenant, member)
    assert wrong == []


async def test_nobody_raises_their_own_role_or_widens_their_own_scope(api: Api, tenant: Tenant) -> None:
    callers, targets, nodes = await _world(api, tenant)
    manager, sales = callers[Role.MANAGER], callers[Role.SALES]
    root = to_global_id("TierNode", tenant.root_id)

    async def update(token: str, **fields: object) -> list[str]:
        payload = (await api.ok(UPDATE_STAFF, {"input": fields}, token=token))["updateStaff"]
        return [f"{e['code']}:{'.'.join(e['field'] or [])}" for e in payload["errors"]]

    # a manager makes nobody an admin, themselves included
    assert await update(manager.token, id=manager.id, role="ADMIN") == ["FORBIDDEN:role"]
    assert await update(manager.token, id=targets["inside"][Role.SALES].id, role="ADMIN") == ["FORBIDDEN:role"]
    # ... places nobody above their own scope, themselves included (the root answers as missing)
    assert await update(manager.token, id=manager.id, scopeNodeId=root) == ["NOT_FOUND:scopeNodeId"]
    outside = to_global_id("TierNode", nodes["outside"])
    assert await update(manager.token, id=targets["inside"][Role.SALES].id, scopeNodeId=outside) == [
        "NOT_FOUND:scopeNodeId"]
    # a sales member changes their own profile, never their role or scope
    assert await update(sales.token, id=sales.id, name="Sally", locale="de_at", timeZone="Europe/Vienna") == []
    assert await update(sales.token, id=sales.id, role="MANAGER") == ["FORBIDDEN:"]
    assert await update(sales.token, id=sales.id, role="SALES") == ["FORBIDDEN:"]  # role is staff.write
    assert (await api.ok(ME, token=manager.token))["me"] == {"role": "MANAGER", "scope": {"code": "REGION"}}
    # lowering oneself and narrowing one's own scope are allowed
    inside = to_global_id("TierNode", nodes["inside"])
    assert await update(manager.token, id=manager.id, scopeNodeId=inside) == []
    assert (await api.ok(ME, token=manager.token))["me"] == {"role": "MANAGER", "scope": {"code": "STORE"}}


async def test_a_deactivated_caller_can_do_nothing(api: Api, tenant: Tenant) -> None:
    callers, targets, _ = await _world(api, tenant)
    manager = callers[Role.MANAGER]
    assert (await api.ok(DEACTIVATE, {"id": manager.id}))["deactivateStaff"]["errors"] == []
    body = await api.post(UPDATE_STAFF, {"input": {"id": targets["inside"][Role.SALES].id, "name": "x"}},
                          token=manager.token)
    assert body["data"] is None and body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    # reactivated, the old token stays revoked
    assert (await api.ok(REACTIVATE, {"id": manager.id}))["reactivateStaff"]["errors"] == []
    assert (await api.post(ME, token=manager.token)).get("data") is None

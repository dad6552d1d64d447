"""Deactivation ends access at once (tokens, chats, open sockets); reset and change of passwords."""

from __future__ import annotations

import asyncio

from sqlalchemy import select

from bots.engine import Engine
from db.models.chat import ChatAccount, ChatLinkCode
from db.models.core import AuditEntry
from resolvers.core import throttle
from tests.bots.conftest import Chat, linked_chat, new_code
from tests.conftest import PASSWORD, Api, Tenant
from tests.security.conftest import ApiFactory
from tests.security.test_websocket_revocation import SUBSCRIBE, _close_code, _socket
from tests.staff.world import build_chain

DEACTIVATE = "mutation($id: ID!) { deactivateStaff(input: {id: $id}) { staff { active } errors { code field } } }"
REACTIVATE = "mutation($id: ID!) { reactivateStaff(input: {id: $id}) { staff { active } errors { code field } } }"
RESET = """mutation($id: ID!, $revoke: Boolean!) { resetStaffPassword(input: {id: $id, revokeApiTokens: $revoke}) {
  password staff { mustChangePassword } errors { code field } } }"""
CHANGE = """mutation($current: String!, $new: String!) {
  changeMyPassword(input: {currentPassword: $current, newPassword: $new}) {
    staff { mustChangePassword } errors { code field message } } }"""
LOGIN = """mutation($email: String!, $password: String!) {
  login(input: {email: $email, password: $password}) { token staff { mustChangePassword } errors { code message } } }"""
ME = "{ me { email } }"
NEW_PASSWORD = "quartz lantern orbit 42"


async def _works(api: Api, token: str) -> bool:
    return (await api.post(ME, token=token)).get("data") is not None


async def _login(api: Api, email: str, password: str) -> dict:
    return (await api.ok(LOGIN, {"email": email, "password": password}, token=None))["login"]


async def test_deactivation_closes_open_sockets_and_refuses_every_token(
    api: Api, tenant: Tenant, api_with: ApiFactory,
) -> None:
    # given: re-checks far apart, so only the deactivation itself can close the socket
    async with api_with(token_recheck_seconds=3600) as app:
        chain = await build_chain(app, tenant)
        session = (await _login(app, chain.sales.email, PASSWORD))["token"]
        async with _socket(app.app, session) as ws, _socket(app.app, chain.manager.token) as bystander:
            await ws.send_json({"id": "1", "type": "subscribe", "payload": {"query": SUBSCRIBE}})
            await bystander.send_json({"id": "1", "type": "subscribe", "payload": {"query": SUBSCRIBE}})
            # when: the manager above them deactivates them
            done = (await app.ok(DEACTIVATE, {"id": chain.sales.id}, token=chain.manager.token))["deactivateStaff"]
            code = await _close_code(ws)
            # then: the manager's own socket still answers
            await bystander.send_json({"id": "2", "type": "subscribe", "payload": {"query": ME}})
            answer: dict = {}
            while answer.get("id") != "2":
                answer = await bystander.receive_json()
    assert done == {"staff": {"active": False}, "errors": []}
    assert code == 4403
    assert answer["payload"]["data"] == {"me": {"email": chain.manager.email}}
    assert not await _works(api, chain.sales.token) and not await _works(api, session)
    login = await _login(api, chain.sales.email, PASSWORD)
    assert login["token"] is None and login["errors"][0]["code"] == "INVALID"  # as a wrong password


async def test_deactivation_unlinks_chats_and_voids_codes(api: Api, tenant: Tenant) -> None:
    chain = await build_chain(api, tenant)
    engine = Engine(api.app.state.canopy)
    chat = await linked_chat(api, engine, chain.sales.token)
    pending = await new_code(api, chain.sales.token)
    # when
    assert (await api.ok(DEACTIVATE, {"id": chain.sales.id}))["deactivateStaff"]["errors"] == []
    # then: the chat is not linked any more, the unused code links nothing
    assert "not linked" in (await chat.send("/help"))[0].text
    assert "Linked to" not in (await Chat(engine, "4711").send(f"/start {pending}"))[0].text
    async with api.db.session(all_tenants=True) as session:
        assert (await session.scalars(select(ChatAccount))).all() == []
        assert [c.used_at for c in (await session.scalars(select(ChatLinkCode))).all()] != [None]
        operations = (await session.scalars(
            select(AuditEntry.operation).where(AuditEntry.entity_type.in_(["Staff", "ApiToken", "ChatAccount"]),
                                               AuditEntry.operation == "deactivateStaff"))).all()
    assert len(operations) == 3  # the staff member, their one token, their chat


async def test_reactivation_needs_a_new_login(api: Api, tenant: Tenant) -> None:
    chain = await build_chain(api, tenant)
    await api.ok(DEACTIVATE, {"id": chain.sales.id})
    assert (await api.ok(REACTIVATE, {"id": chain.sales.id}))["reactivateStaff"] == {
        "staff": {"active": True}, "errors": []}
    assert not await _works(api, chain.sales.token)
    login = await _login(api, chain.sales.email, PASSWORD)
    assert login["errors"] == [] and await _works(api, login["token"])


async def test_reset_gives_a_one_time_password_and_ends_the_old_one(api: Api, tenant: Tenant) -> None:
    chain = await build_chain(api, tenant)
    session = (await _login(api, chain.sales.email, PASSWORD))["token"]
    # when
    reset = (await api.ok(RESET, {"id": chain.sales.id, "revoke": True}, token=chain.manager.token))["resetStaffPassword"]
    # then
    assert reset["errors"] == [] and reset["staff"] == {"mustChangePassword": True}
    generated = reset["password"]
    assert len(generated) == 23 and generated.count("-") == 3
    assert not await _works(api, session) and not await _works(api, chain.sales.token)
    assert (await _login(api, chain.sales.email, PASSWORD))["token"] is None
    fresh = await _login(api, chain.sales.email, generated)
    assert fresh["errors"] == [] and fresh["staff"] == {"mustChangePassword": True}
    # the password is shown once: nowhere in the audit trail, not even its hash
    async with api.db.session(all_tenants=True) as session_:
        changes = (await session_.scalars(
            select(AuditEntry.changes).where(AuditEntry.operation == "resetStaffPassword",
                                             AuditEntry.entity_type == "Staff"))).all()
    assert changes and changes[0]["password_hash"] == ["***", "***"]
    assert generated not in str(changes) and "argon2" not in str(changes)
    # until they choose their own, that session runs only `me` and changeMyPassword
    gated = await api.post("{ customers { totalCount } }", token=fresh["token"])
    assert gated["data"] is None and gated["errors"][0]["extensions"]["code"] == "PASSWORD_CHANGE_REQUIRED"
    assert await _works(api, fresh["token"])
    changed = (await api.ok(CHANGE, {"current": generated, "new": NEW_PASSWORD}, token=fresh["token"]))
    assert changed["changeMyPassword"] == {"staff": {"mustChangePassword": False}, "errors": []}
    assert (await api.post("{ customers { totalCount } }", token=fresh["token"])).get("errors") is None


async def test_reset_may_keep_the_integrations_running(api: Api, tenant: Tenant) -> None:
    chain = await build_chain(api, tenant)
    session = (await _login(api, chain.sales.email, PASSWORD))["token"]
    reset = (await api.ok(RESET, {"id": chain.sales.id, "revoke": False}))["resetStaffPassword"]
    assert reset["errors"] == []
    assert not await _works(api, session)  # login sessions always end
    assert await _works(api, chain.sales.token)  # the API token was kept
    # and the integration behind it is not held up by the pending password change
    kept = await api.post("{ customers { totalCount } }", token=chain.sales.token)
    assert kept.get("errors") is None


async def test_reset_lifts_a_login_lock(api: Api, tenant: Tenant) -> None:
    chain = await build_chain(api, tenant)
    for _ in range(throttle.ACCOUNT.failures):
        await _login(api, chain.sales.email, "wrong password")
    assert "too many" in (await _login(api, chain.sales.email, PASSWORD))["errors"][0]["message"]
    generated = (await api.ok(RESET, {"id": chain.sales.id, "revoke": True}))["resetStaffPassword"]["password"]
    assert (await _login(api, chain.sales.email, generated))["errors"] == []


async def test_nobody_resets_or_deactivates_themselves(api: Api, tenant: Tenant) -> None:
    chain = await build_chain(api, tenant)
    reset = (await api.ok(RESET, {"id": chain.manager.id, "revoke": True}, token=chain.manager.token))
    assert reset["resetStaffPassword"]["errors"] == [{"code": "INVALID", "field": ["id"]}]
    off = (await api.ok(DEACTIVATE, {"id": chain.manager.id}, token=chain.manager.token))["deactivateStaff"]
    assert off["errors"] == [{"code": "FORBIDDEN", "field": ["id"]}]
    assert await _works(api, chain.manager.token)


async def test_change_my_password_needs_the_current_one_and_ends_other_sessions(api: Api, tenant: Tenant) -> None:
    chain = await build_chain(api, tenant)
    mine = (await _login(api, chain.sales.email, PASSWORD))["token"]
    other = (await _login(api, chain.sales.email, PASSWORD))["token"]
    # wrong current password, weak or unchanged new ones: refused with their field
    for current, new, field in ((
        "not my password", NEW_PASSWORD, "currentPassword"), (PASSWORD, "password1", "newPassword"),
        (PASSWORD, "   \t      ", "newPassword"), (PASSWORD, PASSWORD, "newPassword"),
        (PASSWORD, "sam.sales@acme.example", "newPassword"),
    ):
        payload = (await api.ok(CHANGE, {"current": current, "new": new}, token=mine))["changeMyPassword"]
        assert [e["field"] for e in payload["errors"]] == [[field]], (new, payload)
        assert payload["errors"][0]["code"] == "INVALID"
    assert (await _login(api, chain.sales.email, PASSWORD))["errors"] == []
    # when
    payload = (await api.ok(CHANGE, {"current": PASSWORD, "new": NEW_PASSWORD}, token=mine))["changeMyPassword"]
    # then
    assert payload["errors"] == []
    assert await _works(api, mine) and await _works(api, chain.sales.token)  # this session and API tokens stay
    assert not await _works(api, other)  # other login sessions end
    assert (await _login(api, chain.sales.email, PASSWORD))["token"] is None
    assert (await _login(api, chain.sales.email, NEW_PASSWORD))["errors"] == []


async def test_change_my_password_is_throttled_like_login(api: Api, tenant: Tenant) -> None:
    chain = await build_chain(api, tenant)
    for _ in range(throttle.ACCOUNT.failures):
        payload = (await api.ok(CHANGE, {"current": "guess", "new": NEW_PASSWORD}, token=chain.sales.token))
        assert payload["changeMyPassword"]["errors"][0]["field"] == ["currentPassword"]
    # locked: even the right password is refused unchecked, and so is login to the account
    locked = (await api.ok(CHANGE, {"current": PASSWORD, "new": NEW_PASSWORD}, token=chain.sales.token))
    assert locked["changeMyPassword"]["errors"][0]["code"] == "FORBIDDEN"
    assert "too many" in (await _login(api, chain.sales.email, PASSWORD))["errors"][0]["message"]
    async with api.db.session(all_tenants=True) as session:
        audited = (await session.scalars(select(AuditEntry.changes).where(
            AuditEntry.operation == "changeMyPassword").order_by(AuditEntry.id))).all()
    # every failed attempt leaves its row (who tried, when); the one that locked says until when
    assert [list(c) for c in audited] == [[], [], [], [], ["login_locked_until"]]


async def test_concurrent_changes_of_one_password_both_end_well(api: Api, tenant: Tenant) -> None:
    chain = await build_chain(api, tenant)
    first, second = await asyncio.gather(
        api.ok(CHANGE, {"current": PASSWORD, "new": NEW_PASSWORD}, token=chain.sales.token),
        api.ok(CHANGE, {"current": PASSWORD, "new": NEW_PASSWORD + "!"}, token=chain.sales.token),
    )
    results = [first["changeMyPassword"]["errors"], second["changeMyPassword"]["errors"]]
    # one wins; the other checked its current password against the winner's new one
    assert sorted(len(e) for e in results) == [0, 1]
    assert [e[0]["field"] for e in results if e] == [["currentPassword"]]
    winner = NEW_PASSWORD if first["changeMyPassword"]["errors"] == [] else NEW_PASSWORD + "!"
    assert (await _login(api, chain.sales.email, winner))["errors"] == []

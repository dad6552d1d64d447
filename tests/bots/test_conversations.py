"""Whole conversations through the engine: find → card → log, /log from scratch, paging,
tickets, scope. Assertions on the replies and on what lands in the database and event log."""

from __future__ import annotations

import asyncio

from sqlalchemy import select, update

from bots.engine import Engine
from db.models.core import Event, Role
from db.models.customers import Customer
from db.models.tree import TierNode
from schema.relay import to_global_id
from tests.bots.conftest import Chat, add_customer, add_staff, add_store, linked_chat, needs
from tests.conftest import Api, Tenant

INTERACTIONS = """
query($id: ID!) { node(id: $id) { ... on Customer {
  interactions(first: 10) { edges { node { kind channel summary staff { email } } } } } } }"""
ME = "{ me { email } }"


def buttons(chat: Chat) -> list[str]:
    return [b.label for row in chat.replies[-1].buttons for b in row]


@needs("FindCustomers", "CustomerCard", "LogInteraction", "CustomerHistory")
async def test_find_card_log_history(api: Api, tenant: Tenant, engine: Engine) -> None:
    # given: a sales rep of a Berlin store and two customers called Ali...
    store = await add_store(api, tenant, "DE-BER-01")
    token = await add_staff(api, tenant, role=Role.SALES, node_id=store)
    alice = await add_customer(api, tenant, node_id=store, name="Alice Weber", phone="+4930111222",
                               external_ref="BER-7")
    await add_customer(api, tenant, node_id=store, name="Alina Roth")
    chat = await linked_chat(api, engine, token)
    # when: /find, pick Alice
    await chat.send("/find ali")
    assert chat.last == '2 customers match "ali":'
    assert sorted(buttons(chat)) == ["Alice Weber · BER-7 · Store DE-BER-01 · +4930111222",
                                     "Alina Roth · Store DE-BER-01"]
    await chat.press_label("Alice Weber")
    # then: the card, with what this server has
    card = chat.last.splitlines()
    assert card[:3] == ["👤 Alice Weber", "Store: Store DE-BER-01 (DE-BER-01)", "BER-7 · +4930111222"]
    assert "Lifetime value: €0.00" in card and "Orders (0), latest:" in card and "Open tickets (0):" in card
    assert buttons(chat)[:2] == ["History", "Log"]
    # when: Log → Visit → summary → Confirm
    await chat.press_label("Log")
    assert chat.last == "What happened with Alice Weber?" and buttons(chat) == ["Call", "Visit", "Message", "Note"]
    await chat.press_label("Visit")
    assert chat.last == "Visit: send a short summary (or /cancel)."
    await chat.send("Tried the autumn coats; wants the green one in M.")
    assert chat.last == "Log this?\nVisit with Alice Weber:\nTried the autumn coats; wants the green one in M."
    confirm = chat.replies[-1].buttons[0][0].data
    await chat.press(confirm)
    # then
    assert chat.last == "Logged for Alice Weber."
    email = (await api.ok(ME, token=token))["me"]["email"]
    gid = to_global_id("Customer", alice)
    logged = (await api.ok(INTERACTIONS, {"id": gid}))["node"]["interactions"]["edges"]
    assert [e["node"] for e in logged] == [{"kind": "VISIT", "channel": "console",
                                           "summary": "Tried the autumn coats; wants the green one in M.",
                                           "staff": {"email": email}}]
    async with api.db.session(tenant_id=tenant.id) as session:
        events = (await session.scalars(select(Event).where(Event.type == "INTERACTION_LOGGED"))).all()
    assert [(e.subject_type, e.node_id, e.data["channel"]) for e in events] == [("Interaction", store, "console")]
    # when: the confirm button is pressed again, then /history
    assert (await chat.press(confirm))[0].text.startswith("That button belongs to an older message")
    await chat.send("/history")
    # then
    lines = chat.last.splitlines()
    assert lines[0] == "History of Alice Weber (page 1):" and len(lines) == 2
    assert lines[1].startswith("💬 ") and lines[1].endswith("Visit (console, " + lines[1].split("(console, ")[1])
    assert len((await api.ok(INTERACTIONS, {"id": gid}))["node"]["interactions"]["edges"]) == 1


@needs("FindCustomers", "LogInteraction")
async def test_log_from_scratch_on_telegram_in_chinese(api: Api, tenant: Tenant, engine: Engine) -> None:
    # given
    token = await add_staff(api, tenant, role=Role.SALES, node_id=tenant.root_id, locale="zh-CN")
    bob = await add_customer(api, tenant, node_id=tenant.root_id, name="Bob Li", email="bob@example.com")
    chat = await linked_chat(api, engine, token, platform="telegram")
    # when: /log, who (by email), kind typed in Chinese, summary, an over-long summary first
    for text in ("/log", "bob@example.com", "电话"):
        await chat.send(text)
    assert chat.last == "电话：请发送简短摘要（或 /cancel）。"
    await chat.send("x" * 2001)
    assert chat.last == "内容太长（2001 个字符；最多 2000 个）。请缩短，或发送 /cancel。"
    await chat.send("客户想要预约试衣")
    await chat.press_label("确认")
    # then
    assert chat.last == "已为 Bob Li 记录。"
    logged = (await api.ok(INTERACTIONS, {"id": to_global_id("Customer", bob)}))["node"]["interactions"]
    assert [(e["node"]["kind"], e["node"]["channel"]) for e in logged["edges"]] == [("CALL", "telegram")]


@needs("FindCustomers", "LogInteraction")
async def test_rep_of_one_store_cannot_find_or_log_against_another_store(
    api: Api, tenant: Tenant, engine: Engine,
) -> None:
    # given
    store_a, store_b = await add_store(api, tenant, "A"), await add_store(api, tenant, "B")
    mine = await add_customer(api, tenant, node_id=store_a, name="Mona Mine")
    theirs = await add_customer(api, tenant, node_id=store_b, name="Mona Theirs", phone="+33142345678")
    chat = await linked_chat(api, engine, await add_staff(api, tenant, role=Role.SALES, node_id=store_a))
    # when / then: search sees only store A
    await chat.send("/find mona")
    assert chat.last.startswith("👤 Mona Mine")
    assert (await chat.send("/find +33142345678"))[0].text == 'No customer matches "+33142345678" in your stores.'
    # forged buttons for store B's customer
    for data in (f"l:{to_global_id('Customer', theirs)}", f"c:{to_global_id('Customer', theirs)}"):
        replies = await chat.press(data)
        assert "Theirs" not in replies[0].text
    assert chat.replies[-2].text == "Which customer? Send a name, phone, email or reference (or /cancel)."
    # a flow started for their own customer, who then moves to store B before the confirm
    await chat.send("/cancel")
    await chat.press(f"l:{to_global_id('Customer', mine)}")
    await chat.press_label("Note")
    await chat.send("follow up next week")
    async with api.db.transaction(tenant_id=tenant.id) as session:
        await session.execute(update(Customer).where(Customer.id == mine).values(node_id=store_b))
    await chat.press_label("Confirm")
    assert chat.last == "This customer is no longer available to you (erased, or outside your stores)."
    async with api.db.session(tenant_id=tenant.id) as session:
        assert (await session.scalars(select(Event).where(Event.type == "INTERACTION_LOGGED"))).all() == []


@needs("FindCustomers")
async def test_paging_with_next_and_prev_edits_the_list(api: Api, tenant: Tenant, engine: Engine) -> None:
    # given
    for i in range(12):
        await add_customer(api, tenant, node_id=tenant.root_id, name=f"Zed {i:02d}")
    chat = await linked_chat(api, engine, tenant.token)
    # when
    first = (await chat.send("/find zed"))[0]
    second = (await chat.press_label("Next"))[0]
    third = (await chat.press_label("Next"))[0]
    back = (await chat.press_label("« Prev"))[0]
    # then
    def names(reply: object) -> list[str]:
        return [b.label for row in reply.buttons[:-1] for b in row]  # type: ignore[attr-defined]

    assert first.text == '12 customers match "zed":' and not first.edit
    assert [b.label for b in first.buttons[-1]] == ["Next »"]
    assert second.edit and [b.label for b in second.buttons[-1]] == ["« Prev", "Next »"]
    assert [b.label for row in third.buttons for b in row][-1] == "« Prev" and len(third.buttons) == 3
    assert names(back) == names(second)
    seen = names(first) + names(second) + [b.label for row in third.buttons[:-1] for b in row]
    assert sorted(seen) == [f"Zed {i:02d} · acme" for i in range(12)]
    # a pager of an older list
    old_next = first.buttons[-1][0].data
    await chat.send("/find zed 1")
    assert (await chat.press(old_next))[0].text == "That list is out of date. Run the command again."


@needs("CustomerTickets", "OpenTicket")
async def test_ticket_for_the_customer_in_context(api: Api, tenant: Tenant, engine: Engine) -> None:
    # given: support may open tickets, sales may not (the role matrix of the API)
    cid = await add_customer(api, tenant, node_id=tenant.root_id, name="Tia Ticket")
    support = await linked_chat(api, engine, await add_staff(api, tenant, role=Role.SUPPORT, node_id=tenant.root_id))
    sales = await linked_chat(api, engine, await add_staff(api, tenant, role=Role.SALES, node_id=tenant.root_id))
    gid = to_global_id("Customer", cid)
    # when
    for opened, chat in enumerate((support, sales)):
        await chat.press(f"c:{gid}")
        await chat.send("/ticket")
        assert chat.last.startswith(f"Open tickets of Tia Ticket: {opened}")
        await chat.press_label("Open a new ticket")
        await chat.send("Zip broken")
        await chat.send("The zip of the green coat broke after a week.")
        assert chat.last == "Open this ticket for Tia Ticket?\nZip broken\nThe zip of the green coat broke after a week."
        await chat.press_label("Confirm")
    # then
    assert support.last.startswith("Ticket ") and support.last.endswith(" opened for Tia Ticket.")
    assert sales.last == "Your role may not do this."
    await support.send("/ticket")
    assert support.last.startswith("Open tickets of Tia Ticket: 1\n  • ") and "Zip broken [OPEN, NORMAL]" in support.last


ERASE = "mutation($id: ID!) { eraseCustomer(input: {id: $id}) { errors { code message } } }"


@needs("CustomerCard")
async def test_erased_customer_is_a_stale_button(api: Api, tenant: Tenant, engine: Engine) -> None:
    # given: a card on screen
    cid = await add_customer(api, tenant, node_id=tenant.root_id, name="Eve Erased", email="eve@example.com")
    chat = await linked_chat(api, engine, tenant.token)
    gid = to_global_id("Customer", cid)
    await chat.press(f"c:{gid}")
    assert chat.last.startswith("👤 Eve Erased")
    # when: the customer is erased (GDPR), then the card's buttons are pressed
    assert (await api.ok(ERASE, {"id": gid}))["eraseCustomer"]["errors"] == []
    replies = [(await chat.press(data))[0].text for data in (f"c:{gid}", f"l:{gid}", f"p:{gid}")]
    # then
    gone = "This customer is no longer available to you (erased, or outside your stores). Use /find to pick another."
    assert replies[0] == gone and replies[2] == gone
    assert all("Eve" not in text and "Sorry" not in text for text in replies)
    assert (await chat.send("/customer"))[0].text.startswith("No customer in context")


@needs("LogInteraction")
async def test_double_tap_on_confirm_logs_once(api: Api, tenant: Tenant, engine: Engine) -> None:
    cid = await add_customer(api, tenant, node_id=tenant.root_id, name="Dan Double")
    chat = await linked_chat(api, engine, tenant.token)
    await chat.press(f"l:{to_global_id('Customer', cid)}")
    await chat.press_label("Call")
    await chat.send("asked for the catalogue")
    confirm = chat.replies[-1].buttons[0][0].data
    results = await asyncio.gather(*(chat.press(confirm) for _ in range(3)))
    assert sorted(r[0].text for r in results).count("Logged for Dan Double.") == 1
    async with api.db.session(tenant_id=tenant.id) as session:
        assert len((await session.scalars(select(Event).where(Event.type == "INTERACTION_LOGGED"))).all()) == 1



PROGRAM = """
mutation { createMembershipProgram(input: {name: "Canopy Club", currency: "EUR", pointsPerUnit: "1",
  tiers: [{name: "Green", rank: 1, threshold: 0}, {name: "Gold", rank: 2, threshold: 1000}]}) {
  membershipProgram { id } errors { code message } } }"""
ENROL = """
mutation($c: ID!, $p: ID) { enrollMember(input: {customerId: $c, programId: $p}) {
  membership { id } errors { code message } } }"""
ADJUST = """
mutation($m: ID!) { adjustPoints(input: {membershipId: $m, delta: 1234, reason: "welcome"}) { errors { code } } }"""
COUPON = """
mutation($m: ID!) { issueCoupon(input: {membershipId: $m, amountOff: "5.00"}) { coupon { code } errors { code } } }"""


@needs("CustomerPoints", "CustomerCard")
async def test_points_and_card_of_a_member(api: Api, tenant: Tenant, engine: Engine) -> None:
    # given: a member with 1,234 points and a €5 coupon, and a customer who is not a member
    member = await add_customer(api, tenant, node_id=tenant.root_id, name="Pia Points")
    other = await add_customer(api, tenant, node_id=tenant.root_id, name="Olaf Outsider")
    program = (await api.ok(PROGRAM))["createMembershipProgram"]["membershipProgram"]["id"]
    enrolled = (await api.ok(ENROL, {"c": to_global_id("Customer", member), "p": program}))["enrollMember"]
    membership = enrolled["membership"]["id"]
    assert (await api.ok(ADJUST, {"m": membership}))["adjustPoints"]["errors"] == []
    code = (await api.ok(COUPON, {"m": membership}))["issueCoupon"]["coupon"]["code"]
    chat = await linked_chat(api, engine, await add_staff(api, tenant, role=Role.SALES, node_id=tenant.root_id,
                                                          locale="zh-CN"))
    # when
    await chat.press(f"c:{to_global_id('Customer', member)}")
    card = chat.last
    await chat.send("/points")
    # then
    assert "等级：Green · 积分：1,234" in card.splitlines() and "会员信息" not in card
    assert chat.last.splitlines() == ["Pia Points · Canopy Club", "等级：Green", "积分：1,234（定级积分：0）",
                                      "可用优惠券：1", f"  • {code} −€5.00"]
    await chat.press(f"p:{to_global_id('Customer', other)}")
    assert chat.last == "Olaf Outsider 不是会员。"


LOG = """
mutation($c: ID!, $s: String!) { logInteraction(input: {customerId: $c, kind: NOTE, summary: $s}) {
  errors { code } } }"""


@needs("CustomerHistory", "LogInteraction")
async def test_history_pages_newest_first(api: Api, tenant: Tenant, engine: Engine) -> None:
    # given: seven notes logged through the API
    cid = await add_customer(api, tenant, node_id=tenant.root_id, name="Hal History")
    gid = to_global_id("Customer", cid)
    for i in range(7):
        assert (await api.ok(LOG, {"c": gid, "s": f"note {i}"}))["logInteraction"]["errors"] == []
    chat = await linked_chat(api, engine, tenant.token)
    await chat.press(f"c:{gid}")
    # when
    first = (await chat.press_label("History"))[0]
    second = (await chat.press_label("Next"))[0]
    # then
    def summaries(text: str) -> list[str]:
        return [line.rsplit(": ", 1)[1] for line in text.splitlines()[1:]]

    assert first.text.splitlines()[0] == "History of Hal History (page 1):"
    assert summaries(first.text) == ["note 6", "note 5", "note 4", "note 3", "note 2"]
    assert second.edit and summaries(second.text) == ["note 1", "note 0"]
    assert [b.label for row in second.buttons for b in row] == ["« Prev"]
    assert (await chat.press_label("« Prev"))[0].text == first.text


LOG_AT = """
mutation($c: ID!) { logInteraction(input: {customerId: $c, kind: CALL, summary: "early call",
  occurredAt: "2026-01-05T10:00:00Z"}) { errors { code } } }"""


@needs("CustomerHistory", "LogInteraction")
async def test_times_are_shown_in_the_staff_members_time_zone(api: Api, tenant: Tenant, engine: Engine) -> None:
    # given: a Shanghai store (UTC+8) and a call at 10:00 UTC
    store = await add_store(api, tenant, "CN-SH-01")
    async with api.db.transaction(tenant_id=tenant.id) as session:
        await session.execute(update(TierNode).where(TierNode.id == store).values(timezone="Asia/Shanghai"))
    cid = await add_customer(api, tenant, node_id=store, name="Wei Zone")
    assert (await api.ok(LOG_AT, {"c": to_global_id("Customer", cid)}))["logInteraction"]["errors"] == []
    chat = await linked_chat(api, engine, await add_staff(api, tenant, role=Role.SALES, node_id=store,
                                                          locale="zh-CN"))
    # when
    await chat.press(f"h:{to_global_id('Customer', cid)}")
    # then
    assert chat.last.splitlines()[1].startswith("💬 2026/1/5 18:00 电话 (api, Administrator): early call")

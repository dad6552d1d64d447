"""Read commands: /find, /customer, /history, /points, and paging through lists."""

from __future__ import annotations

from typing import Any

from bots.replies import Button, Reply, rows
from bots.turn import MAX_SEARCH, Callback, Command, Turn

PAGE_SIZE = 5
# Card sections and the operation fragment each needs, in the order they are shown.
CARD_SECTIONS = ["CardMembership", "CardValue", "CardOrders", "CardTickets"]


def live_customer(node: dict[str, Any] | None) -> dict[str, Any] | None:
    """`node(id:)`'s answer if it is a customer in scope and not erased; else None."""
    if node is None or node.get("__typename") != "Customer" or node.get("erasedAt"):
        return None
    return node


async def customer_ref(turn: Turn, gid: str) -> dict[str, Any] | None:
    """The customer behind a button or the context, if it still exists in the viewer's scope."""
    return live_customer((await turn.api.run("CustomerRef", id=gid))["node"])


def customer_line(c: dict[str, Any]) -> str:
    extra = [x for x in (c.get("externalRef"), (c.get("node") or {}).get("name"), c.get("phone")) if x]
    return " · ".join([c["name"], *extra])[:60]


# ---------- /find ----------

async def find(turn: Turn, args: str) -> list[Reply]:
    query = args.strip()
    if not query:
        return turn.say("find.usage")
    if len(query) > MAX_SEARCH:
        return turn.say("error.too_long", limit=MAX_SEARCH, length=len(query))
    turn.api.operation("FindCustomers")
    listing = {"kind": "find", "serial": turn.state.new_serial(), "q": query, "cursors": [None]}
    turn.state.data["list"] = listing
    # A flow waiting for a customer wants a button even for one match: that stays the list.
    if turn.api.has("FindCard") and (turn.state.flow or {}).get("step") != "customer":
        return await _find_card(turn, listing)
    return await _find_page(turn, listing, 0, edit=False)


async def _find_card(turn: Turn, listing: dict[str, Any]) -> list[Reply]:
    """The first answer to /find in one operation (FindCard): the card of a single match, else
    the choice of two; only a search matching more than two runs FindCustomers for its page."""
    data = await turn.api.run("FindCard", search=listing["q"])
    conn = data["customers"]
    found = [e["node"] for e in conn["edges"]]
    if not found:
        return [Reply(turn.t("find.none", query=listing["q"]))]
    if conn["pageInfo"]["hasNextPage"]:
        return await _find_page(turn, listing, 0, edit=False)
    if len(found) == 1:
        turn.t.use_zone(data)
        return _card(turn, found[0]["id"], live_customer(found[0]), "FindCard")
    return _matches(turn, listing, 0, conn, len(found), edit=False)


async def _find_page(turn: Turn, listing: dict[str, Any], page: int, *, edit: bool) -> list[Reply]:
    data = await turn.api.run("FindCustomers", search=listing["q"], first=PAGE_SIZE,
                              after=listing["cursors"][page])
    conn = data["customers"]
    found = [e["node"] for e in conn["edges"]]
    if not found:
        return [Reply(turn.t("find.none", query=listing["q"]), edit=edit)]
    if conn["totalCount"] == 1 and page == 0 and (turn.state.flow or {}).get("step") != "customer":
        return await show_card(turn, found[0]["id"])
    return _matches(turn, listing, page, conn, conn["totalCount"], edit=edit)


def _matches(turn: Turn, listing: dict[str, Any], page: int, conn: dict[str, Any], count: int,
             *, edit: bool) -> list[Reply]:
    """A page of matching customers as buttons, with the pager."""
    _remember_next(listing, page, conn["pageInfo"])
    buttons = [Button(customer_line(e["node"]), f"c:{e['node']['id']}") for e in conn["edges"]]
    text = turn.t("find.matches", count=count, query=listing["q"])
    return [Reply(text, rows(*buttons) + _pager(turn, listing, page, conn["pageInfo"]), edit=edit)]


def _remember_next(listing: dict[str, Any], page: int, page_info: dict[str, Any]) -> None:
    listing["page"] = page
    del listing["cursors"][page + 1:]
    if page_info["hasNextPage"]:
        listing["cursors"].append(page_info["endCursor"])


def _pager(turn: Turn, listing: dict[str, Any], page: int,
           page_info: dict[str, Any]) -> tuple[tuple[Button, ...], ...]:
    prev = Button(turn.t("page.prev"), f"pg:{listing['serial']}:{page - 1}") if page > 0 else None
    nxt = Button(turn.t("page.next"), f"pg:{listing['serial']}:{page + 1}") if page_info["hasNextPage"] else None
    return rows(prev, nxt, per_row=2)


async def on_page(turn: Turn, fields: list[str]) -> list[Reply]:
    listing = turn.state.data.get("list")
    if not listing or len(fields) != 2 or fields[0] != listing["serial"] or not fields[1].isdigit():
        return turn.say("error.stale_list")
    page = int(fields[1])
    if page >= len(listing["cursors"]):
        return turn.say("error.stale_list")
    if listing["kind"] == "history":
        return await _history_page(turn, listing, page, edit=True)
    return await _find_page(turn, listing, page, edit=True)


# ---------- choosing a customer, the card ----------

async def show_card(turn: Turn, gid: str) -> list[Reply]:
    data = await turn.api.run("CustomerCard", id=gid)
    turn.t.use_zone(data)
    return _card(turn, gid, live_customer(data["node"]), "CustomerCard")


def _card(turn: Turn, gid: str, c: dict[str, Any] | None, operation: str) -> list[Reply]:
    """The card of customer `gid` as `operation` (CustomerCard or FindCard) read it; None: gone."""
    if c is None:
        if (turn.state.customer or {}).get("id") == gid:
            turn.state.customer = None
        return turn.say("error.customer_gone")
    turn.state.customer = {"id": c["id"], "name": c["name"]}
    return [Reply(card_text(turn, c, operation), _card_buttons(turn, c["id"]))]


def card_text(turn: Turn, c: dict[str, Any], operation: str = "CustomerCard") -> str:
    t = turn.t
    lines = [f"👤 {c['name']}", t("card.store", store=c["node"]["name"], code=c["node"]["code"])]
    contact = [x for x in (c.get("externalRef"), c.get("email"), c.get("phone")) if x]
    if contact:
        lines.append(" · ".join(contact))
    if "membership" in c:
        m = c["membership"]
        lines.append(t("card.member", tier=m["tier"]["name"], points=t.number(m["pointsBalance"]))
                     if m else t("card.not_member"))
    if "lifetimeValue" in c:
        lines.append(t("card.value", value=t.money(c["lifetimeValue"])))
    if "orders" in c:
        orders = c["orders"]
        lines.append(t("card.orders", count=t.number(orders["totalCount"])))
        for e in orders["edges"]:
            o = e["node"]
            lines.append(f"  • {o['number']} {o['status']} {t.money(o['total'])} {t.when(o['placedAt'])}")
    if "tickets" in c:
        tickets = c["tickets"]
        lines.append(t("card.tickets", count=t.number(tickets["totalCount"])))
        for e in tickets["edges"]:
            k = e["node"]
            lines.append(f"  • {k['number']} {k['subject']} [{k['status']}, {k['priority']}]")
    if c.get("campaigns"):
        lines.append(t("card.campaigns", names=", ".join(r["campaign"]["name"] for r in c["campaigns"][:3])))
    missing = [t(f"card.section.{s}") for s in CARD_SECTIONS if not turn.api.has(operation, s)]
    if missing:
        lines.append(t("card.missing", sections=", ".join(missing)))
    return "\n".join(lines)


def _card_buttons(turn: Turn, gid: str) -> tuple[tuple[Button, ...], ...]:
    api, t = turn.api, turn.t
    return rows(
        Button(t("button.history"), f"h:{gid}") if api.has("CustomerHistory") else None,
        Button(t("button.log"), f"l:{gid}") if api.has("LogInteraction") else None,
        Button(t("button.tickets"), f"t:{gid}") if api.has("CustomerTickets") else None,
        Button(t("button.points"), f"p:{gid}") if api.has("CustomerPoints") else None,
        per_row=2,
    )


def context_customer(turn: Turn) -> str | None:
    return (turn.state.customer or {}).get("id")


async def customer(turn: Turn, args: str) -> list[Reply]:
    if args.strip():
        return await find(turn, args)
    gid = context_customer(turn)
    return await show_card(turn, gid) if gid else turn.say("context.none")


# ---------- /history ----------

async def history(turn: Turn, args: str) -> list[Reply]:
    gid = context_customer(turn)
    return await _start_history(turn, gid) if gid else turn.say("context.none")


async def on_history(turn: Turn, fields: list[str]) -> list[Reply]:
    return await _start_history(turn, fields[0] if fields else "")


async def _start_history(turn: Turn, gid: str) -> list[Reply]:
    turn.api.operation("CustomerHistory")
    listing = {"kind": "history", "serial": turn.state.new_serial(), "q": gid, "cursors": [None]}
    turn.state.data["list"] = listing
    return await _history_page(turn, listing, 0, edit=False)


async def _history_page(turn: Turn, listing: dict[str, Any], page: int, *, edit: bool) -> list[Reply]:
    data = await turn.api.run("CustomerHistory", id=listing["q"], first=PAGE_SIZE,
                              after=listing["cursors"][page])
    turn.t.use_zone(data)
    c = live_customer(data["node"])
    if c is None:
        return [Reply(turn.t("error.customer_gone"), edit=edit)]
    timeline = c["timeline"]
    _remember_next(listing, page, timeline["pageInfo"])
    entries = [entry_text(turn, e["node"]) for e in timeline["edges"]]
    text = "\n".join([turn.t("history.title", name=c["name"], page=page + 1),
                      *(entries or [turn.t("history.empty")])])
    return [Reply(text, _pager(turn, listing, page, timeline["pageInfo"]), edit=edit)]


def entry_text(turn: Turn, e: dict[str, Any]) -> str:
    t, kind = turn.t, e.get("__typename")
    if kind == "Order" and "number" in e:
        return f"🛒 {t.when(e['placedAt'])} {t('history.order', number=e['number'], status=e['orderStatus'], total=t.money(e['total']))}"
    if kind == "Ticket" and "number" in e:
        return f"🎫 {t.when(e['createdAt'])} {e['number']} {e['subject']} [{e['ticketStatus']}]"
    if kind == "Interaction" and "kind" in e:
        who = (e.get("staff") or {}).get("name", "")
        return f"💬 {t.when(e['occurredAt'])} {t('kind.' + e['kind'])} ({e['channel']}, {who}): {e['summary'][:200]}"
    if kind == "PointsEntry" and "delta" in e:
        return f"⭐ {t.when(e['createdAt'])} {e['delta']:+d} → {t.number(e['balanceAfter'])} ({e['reason']})"
    if kind == "TierChange" and "to" in e:
        return f"🏅 {t.when(e['at'])} {(e.get('from') or {}).get('name', '-')} → {e['to']['name']}"
    return f"• {kind}"


# ---------- /points ----------

async def points(turn: Turn, args: str) -> list[Reply]:
    gid = context_customer(turn)
    return await _points(turn, gid) if gid else turn.say("context.none")


async def on_points(turn: Turn, fields: list[str]) -> list[Reply]:
    return await _points(turn, fields[0] if fields else "")


async def _points(turn: Turn, gid: str) -> list[Reply]:
    t = turn.t
    data = await turn.api.run("CustomerPoints", id=gid)
    turn.t.use_zone(data)
    c = live_customer(data["node"])
    if c is None:
        return turn.say("error.customer_gone")
    m = c["membership"]
    if m is None:
        return turn.say("points.not_member", name=c["name"])
    lines = [t("points.summary", name=c["name"], program=m["program"]["name"], tier=m["tier"]["name"],
               balance=t.number(m["pointsBalance"]), qualifying=t.number(m["qualifyingPoints"]))]
    if "coupons" in m:
        lines.append(t("points.coupons", count=len(m["coupons"])))
        for k in m["coupons"]:
            off = t.money(k["amountOff"]) if k.get("amountOff") else f"{k.get('percentOff')}%"
            lines.append(f"  • {k['code']} −{off} {t('points.until', date=t.when(k['expiresAt'])) if k.get('expiresAt') else ''}".rstrip())
    else:
        lines.append(t("card.missing", sections=t("card.section.coupons")))
    return [Reply("\n".join(lines))]


COMMANDS: dict[str, Command] = {"find": find, "customer": customer, "history": history, "points": points}
CALLBACKS: dict[str, Callback] = {"pg": on_page, "h": on_history, "p": on_points}

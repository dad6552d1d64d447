"""Guided conversations: /log (customer → kind → summary → confirm) and /ticket.

`/log visit Showed the new matcha set` gives kind and summary at once: with a customer in
context it goes straight to Confirm, else it asks who and then confirms; each step is
skipped when its answer is known.
"""

from __future__ import annotations

from typing import Any

from bots.customers import (
    PAGE_SIZE,
    context_customer,
    customer_line,
    customer_ref,
    live_customer,
    show_card,
)
from bots.replies import Button, Reply, rows
from bots.state import StaleState
from bots.turn import MAX_SEARCH, MAX_TEXT, Callback, Command, Step, Turn

KINDS = ["CALL", "VISIT", "MESSAGE", "NOTE"]
MAX_SUBJECT = 200


# ---------- choosing the customer (shared by both flows) ----------

async def _begin(turn: Turn, name: str, gid: str | None, **answers: Any) -> list[Reply]:
    """Start flow `name` for customer `gid` with the `answers` already given, or ask who it is about."""
    if gid is not None:
        ref = await customer_ref(turn, gid)
        if ref is not None:
            turn.state.start_flow(name, "customer", **answers)
            return await _with_customer(turn, ref)
        if context_customer(turn) == gid:
            turn.state.customer = None
    turn.state.start_flow(name, "customer", **answers)
    return turn.say("flow.ask_customer")


async def ask_customer_step(turn: Turn, text: str) -> list[Reply]:
    if len(text) > MAX_SEARCH:
        return turn.say("error.too_long", limit=MAX_SEARCH, length=len(text))
    data = await turn.api.run("FindCustomers", search=text, first=PAGE_SIZE, after=None)
    found = [e["node"] for e in data["customers"]["edges"]]
    if not found:
        return turn.say("flow.no_match", query=text)
    if len(found) == 1:
        return await _with_customer(turn, found[0])
    more = data["customers"]["totalCount"] > len(found)
    text_key = "flow.pick_more" if more else "flow.pick"
    return [Reply(turn.t(text_key), rows(*(Button(customer_line(c), f"c:{c['id']}") for c in found)))]


async def on_customer(turn: Turn, fields: list[str]) -> list[Reply]:
    """A customer button: continue the flow waiting for one, else show the card."""
    gid = fields[0] if fields else ""
    flow = turn.state.flow
    if flow is None or flow["step"] != "customer":
        return await show_card(turn, gid)
    ref = await customer_ref(turn, gid)
    if ref is None:
        return turn.say("error.customer_gone")
    return await _with_customer(turn, ref)


async def _with_customer(turn: Turn, ref: dict[str, Any]) -> list[Reply]:
    flow = turn.state.flow
    assert flow is not None
    flow["customer"] = {"id": ref["id"], "name": ref["name"]}
    turn.state.customer = flow["customer"]
    if flow["name"] == "log":
        if flow.get("kind"):
            return _kind_chosen(turn, flow, flow["kind"])
        flow["step"] = "kind"
        buttons = [Button(turn.t(f"kind.{k}"), f"k:{flow['serial']}:{k}") for k in KINDS]
        return [Reply(turn.t("log.ask_kind", name=ref["name"]), rows(*buttons, per_row=2))]
    flow["step"] = "subject"
    return turn.say("ticket.ask_subject", name=ref["name"])


def _current(turn: Turn, name: str | None, step: str, serial: str | None) -> dict[str, Any] | None:
    """The flow a button belongs to, or None when the button is from an older message."""
    flow = turn.state.flow
    if flow is None or flow["step"] != step or (name and flow["name"] != name):
        return None
    if serial is not None and flow["serial"] != serial:
        return None
    return flow


# ---------- /log ----------

def split_kind(turn: Turn, text: str) -> tuple[str | None, str]:
    """("VISIT", "Showed the new matcha set") for "visit Showed the new matcha set" (or "拜访 ...",
    "拜访..."): a kind by its name in English or the reader's language, then the rest."""
    stripped = text.strip()
    folded = stripped.casefold()
    for kind in KINDS:
        for name in {kind.casefold(), turn.t(f"kind.{kind}").casefold()}:
            rest = folded[len(name):]
            # a Chinese kind may run into the summary; a Latin one ends at a space
            if folded.startswith(name) and (not rest or rest[0].isspace() or not name.isascii()):
                return kind, stripped[len(name):].strip(" \t:：,，-—")
    return None, stripped


async def log_command(turn: Turn, args: str) -> list[Reply]:
    turn.api.operation("LogInteraction")
    kind, summary = split_kind(turn, args)
    if len(summary) > MAX_TEXT:
        return turn.say("error.too_long", limit=MAX_TEXT, length=len(summary))
    answers = {k: v for k, v in (("kind", kind), ("summary", summary)) if v}
    return await _begin(turn, "log", context_customer(turn), **answers)


async def on_log(turn: Turn, fields: list[str]) -> list[Reply]:
    turn.api.operation("LogInteraction")
    return await _begin(turn, "log", fields[0] if fields else "")


async def on_kind(turn: Turn, fields: list[str]) -> list[Reply]:
    flow = _current(turn, "log", "kind", fields[0] if fields else "")
    if flow is None or len(fields) != 2 or fields[1] not in KINDS:
        return turn.say("error.stale_button")
    return _kind_chosen(turn, flow, fields[1])


async def kind_step(turn: Turn, text: str) -> list[Reply]:
    """The kind typed, alone or with the summary ("visit Showed the new matcha set")."""
    kind, summary = split_kind(turn, text)
    if kind is None:
        return turn.say("log.bad_kind")
    if len(summary) > MAX_TEXT:
        return turn.say("error.too_long", limit=MAX_TEXT, length=len(summary))
    flow = turn.state.flow
    assert flow is not None
    if summary:
        flow["summary"] = summary
    return _kind_chosen(turn, flow, kind)


def _kind_chosen(turn: Turn, flow: dict[str, Any], kind: str) -> list[Reply]:
    flow.update(kind=kind, step="summary")
    if flow.get("summary"):
        return _confirm_log(turn, flow)
    return turn.say("log.ask_summary", kind=turn.t(f"kind.{kind}"))


async def summary_step(turn: Turn, text: str) -> list[Reply]:
    if len(text) > MAX_TEXT:
        return turn.say("error.too_long", limit=MAX_TEXT, length=len(text))
    flow = turn.state.flow
    assert flow is not None
    flow["summary"] = text
    return _confirm_log(turn, flow)


def _confirm_log(turn: Turn, flow: dict[str, Any]) -> list[Reply]:
    flow["step"] = "confirm"
    body = turn.t("log.confirm", kind=turn.t(f"kind.{flow['kind']}"), name=flow["customer"]["name"],
                  summary=flow["summary"])
    return [Reply(body, _confirm_buttons(turn, flow))]


def _confirm_buttons(turn: Turn, flow: dict[str, Any]) -> tuple[tuple[Button, ...], ...]:
    return rows(Button(turn.t("button.confirm"), f"ok:{flow['serial']}"),
                Button(turn.t("button.cancel"), f"x:{flow['serial']}"), per_row=2)


async def _claim(turn: Turn) -> bool:
    """End the flow in the database before acting, so a double tap acts once."""
    turn.state.end_flow()
    try:
        await turn.state.save()
    except StaleState:
        return False
    return True


async def on_confirm(turn: Turn, fields: list[str]) -> list[Reply]:
    flow = _current(turn, None, "confirm", fields[0] if fields else "")
    if flow is None or not await _claim(turn):
        return turn.say("error.stale_button")
    if flow["name"] == "log":
        data = await turn.api.run("LogInteraction", input={
            "customerId": flow["customer"]["id"], "kind": flow["kind"],
            "summary": flow["summary"], "channel": turn.channel})
        payload = data["logInteraction"]
        if payload["errors"]:
            return [Reply(turn.problem(payload["errors"]))]
        return turn.say("log.done", name=flow["customer"]["name"])
    data = await turn.api.run("OpenTicket", input={
        "customerId": flow["customer"]["id"], "subject": flow["subject"],
        "description": flow["description"]})
    payload = data["openTicket"]
    if payload["errors"]:
        return [Reply(turn.problem(payload["errors"]))]
    return turn.say("ticket.done", number=payload["ticket"]["number"], name=flow["customer"]["name"])


async def on_cancel(turn: Turn, fields: list[str]) -> list[Reply]:
    flow = turn.state.flow
    if flow is None or flow["serial"] != (fields[0] if fields else ""):
        return turn.say("error.stale_button")
    turn.state.end_flow()
    return turn.say("cancel.done")


# ---------- /ticket ----------

async def ticket_command(turn: Turn, args: str) -> list[Reply]:
    gid = context_customer(turn)
    return await _tickets(turn, gid) if gid else turn.say("context.none")


async def on_tickets(turn: Turn, fields: list[str]) -> list[Reply]:
    return await _tickets(turn, fields[0] if fields else "")


async def _tickets(turn: Turn, gid: str) -> list[Reply]:
    t = turn.t
    c = live_customer((await turn.api.run("CustomerTickets", id=gid))["node"])
    if c is None:
        return turn.say("error.customer_gone")
    turn.state.customer = {"id": c["id"], "name": c["name"]}
    tickets = c["tickets"]
    lines = [t("ticket.open_list", name=c["name"], count=t.number(tickets["totalCount"]))]
    for e in tickets["edges"]:
        k = e["node"]
        lines.append(f"  • {k['number']} {k['subject']} [{k['status']}, {k['priority']}]")
    new = Button(t("button.new_ticket"), f"tn:{c['id']}") if turn.api.has("OpenTicket") else None
    return [Reply("\n".join(lines), rows(new))]


async def on_new_ticket(turn: Turn, fields: list[str]) -> list[Reply]:
    turn.api.operation("OpenTicket")
    return await _begin(turn, "ticket", fields[0] if fields else "")


async def subject_step(turn: Turn, text: str) -> list[Reply]:
    if len(text) > MAX_SUBJECT:
        return turn.say("error.too_long", limit=MAX_SUBJECT, length=len(text))
    flow = turn.state.flow
    assert flow is not None
    flow.update(subject=text, step="description")
    return turn.say("ticket.ask_description")


async def description_step(turn: Turn, text: str) -> list[Reply]:
    if len(text) > MAX_TEXT:
        return turn.say("error.too_long", limit=MAX_TEXT, length=len(text))
    flow = turn.state.flow
    assert flow is not None
    flow.update(description=text, step="confirm")
    body = turn.t("ticket.confirm", name=flow["customer"]["name"], subject=flow["subject"],
                  description=text)
    return [Reply(body, _confirm_buttons(turn, flow))]


COMMANDS: dict[str, Command] = {"log": log_command, "ticket": ticket_command}
CALLBACKS: dict[str, Callback] = {
    "c": on_customer, "l": on_log, "k": on_kind, "ok": on_confirm, "x": on_cancel, "t": on_tickets, "tn": on_new_ticket,
}
STEPS: dict[tuple[str, str], Step] = {
    ("log", "customer"): ask_customer_step, ("ticket", "customer"): ask_customer_step,
    ("log", "kind"): kind_step, ("log", "summary"): summary_step,
    ("ticket", "subject"): subject_step, ("ticket", "description"): description_step,
}

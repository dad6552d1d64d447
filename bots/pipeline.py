"""The staff member's own work: /tasks, /pipeline, and the buttons under reminders.

Reminder buttons carry stable data (`task:done:<id>`, `task:snooze:<id>`,
`ticket:open:<id>`, made by resolvers/reminders.py) rather than per-message
tokens: they outlive any conversation state, so each press is checked afresh
against the database through the staff member's own GraphQL operations.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from bots.replies import Button, Reply, rows
from bots.turn import Callback, Command, Turn
from db.base import utcnow
from schema.relay import to_global_id

SNOOZE = timedelta(hours=1)
TASKS_SHOWN = 15
OPPORTUNITIES_SHOWN = 50


def node_of(data: dict[str, Any], typename: str) -> dict[str, Any] | None:
    node = data.get("node")
    return node if node is not None and node.get("__typename") == typename else None


def _me(turn: Turn) -> str:
    return to_global_id("Staff", turn.viewer.staff_id)


def _target(fields: list[str], actions: set[str]) -> tuple[str, int] | None:
    if len(fields) != 2 or fields[0] not in actions or not fields[1].isdigit():
        return None
    return fields[0], int(fields[1])


# ---------- reminder buttons ----------

async def on_task(turn: Turn, fields: list[str]) -> list[Reply]:
    """Done / Snooze 1h: only on the presser's own task, in their scope; else nothing changes."""
    target = _target(fields, {"done", "snooze"})
    if target is None:
        return turn.say("error.stale_button")
    action, pk = target
    gid = to_global_id("Task", pk)
    data = await turn.api.run("TaskCard", id=gid)
    turn.t.use_zone(data)
    task = node_of(data, "Task")
    if task is None or (task.get("assignee") or {}).get("id") != _me(turn):
        return turn.say("error.not_yours")
    if task["done"]:
        return [Reply(turn.t("task.already_done", title=task["title"]), edit=True)]
    if action == "done":
        payload = (await turn.api.run("CompleteTask", id=gid))["completeTask"]
        if payload["errors"]:
            return [Reply(turn.problem(payload["errors"]))]
        return [Reply(turn.t("task.completed", title=task["title"]), edit=True)]
    until = utcnow() + SNOOZE
    payload = (await turn.api.run("SnoozeTask", id=gid, dueAt=until.isoformat()))["snoozeTask"]
    if payload["errors"]:
        return [Reply(turn.problem(payload["errors"]))]
    return [Reply(turn.t("task.snoozed", title=task["title"], when=turn.t.when(payload["task"]["dueAt"])),
                  edit=True)]


async def on_ticket(turn: Turn, fields: list[str]) -> list[Reply]:
    target = _target(fields, {"open"})
    if target is None:
        return turn.say("error.stale_button")
    data = await turn.api.run("TicketCard", id=to_global_id("Ticket", target[1]))
    turn.t.use_zone(data)
    ticket = node_of(data, "Ticket")
    if ticket is None:
        return turn.say("error.ticket_gone")
    t = turn.t
    lines = [f"🎫 {ticket['number']} {ticket['subject']}",
             t("ticket.card_status", status=ticket["status"], priority=ticket["priority"],
               when=t.when(ticket["slaDueAt"])) + (" ⚠️ " + t("ticket.breached") if ticket["slaBreached"] else ""),
             t("ticket.card_customer", name=ticket["customer"]["name"]),
             t("ticket.card_assignee", name=(ticket.get("assignee") or {}).get("name", "-")),
             ticket["description"][:1000]]
    card = Button(t("button.customer"), f"c:{ticket['customer']['id']}") if turn.api.has("CustomerCard") else None
    return [Reply("\n".join(lines), rows(card))]


# ---------- /tasks ----------

async def tasks_command(turn: Turn, args: str) -> list[Reply]:
    t = turn.t
    data = await turn.api.run("MyTasks", assignee=_me(turn), first=TASKS_SHOWN)
    t.use_zone(data)
    conn = data["tasks"]
    tasks = [e["node"] for e in conn["edges"]]
    if not tasks:
        return turn.say("tasks.none")
    now = utcnow()
    # The query orders by due time, so the overdue ones already come first.
    overdue = [x for x in tasks if datetime.fromisoformat(x["dueAt"]) <= now]
    upcoming = tasks[len(overdue):]
    lines = [t("tasks.title", count=t.number(conn["totalCount"]))]
    for key, group in (("tasks.overdue", overdue), ("tasks.upcoming", upcoming)):
        if group:
            lines.append(t(key))
            lines.extend(_task_line(turn, x) for x in group)
    if conn["totalCount"] > len(tasks):
        lines.append(t("list.more", count=t.number(conn["totalCount"] - len(tasks))))
    return [Reply("\n".join(lines))]


def _task_line(turn: Turn, task: dict[str, Any]) -> str:
    who = f" · {task['customer']['name']}" if task.get("customer") else ""
    return f"  • {turn.t.when(task['dueAt'])} {task['title']}{who}"


# ---------- /pipeline ----------

async def pipeline_command(turn: Turn, args: str) -> list[Reply]:
    t = turn.t
    conn = (await turn.api.run("MyPipeline", owner=_me(turn), first=OPPORTUNITIES_SHOWN))["opportunities"]
    opportunities = [e["node"] for e in conn["edges"]]
    if not opportunities:
        return turn.say("pipeline.none")
    stages: dict[tuple[int, str], list[dict[str, Any]]] = defaultdict(list)
    for o in opportunities:
        stages[(o["stage"]["rank"], o["stage"]["name"])].append(o)
    lines = [t("pipeline.title", count=t.number(conn["totalCount"]))]
    for (_, name), group in sorted(stages.items()):
        lines.append(t("pipeline.stage", stage=name, count=t.number(len(group)), total=_total(turn, group)))
        lines.extend(f"  • {o['title']} · {o['customer']['name']} {t.money(o['amount'])}" for o in group)
    if conn["totalCount"] > len(opportunities):
        lines.append(t("list.more", count=t.number(conn["totalCount"] - len(opportunities))))
    return [Reply("\n".join(lines))]


def _total(turn: Turn, group: list[dict[str, Any]]) -> str:
    """The stage's sum, one figure per currency (amounts in different currencies are not added)."""
    sums: dict[str, Decimal] = defaultdict(Decimal)
    for o in group:
        sums[o["amount"]["currency"]] += Decimal(str(o["amount"]["amount"]))
    return " + ".join(turn.t.money({"amount": str(v), "currency": c}) for c, v in sorted(sums.items()))


COMMANDS: dict[str, Command] = {"tasks": tasks_command, "pipeline": pipeline_command}
CALLBACKS: dict[str, Callback] = {"task": on_task, "ticket": on_ticket}

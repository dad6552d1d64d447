"""Per-node all-time counters (`node_stats`), maintained by triggers on both backends.

Triggers, not ORM hooks: status changes are conditional Core UPDATEs, bulk
imports and the bench generator insert with Core, and every one of those paths
must move the counters in the same transaction. Each trigger adds a delta to
one node's row (an upsert), so the counters are exactly the sums the rollup
scans would compute (tests/orders/test_node_stats.py compares both). Definitions, as in the parts of
resolvers/rollups.py:
- customer_count: customers whose node is this node, merged customers (tombstones,
  `merged_into_id` set) left out;
- member_count: memberships of those customers;
- order_count, revenue: PAID or FULFILLED orders placed at this store, and the
  sum of their totals in minor units of the reporting currency;
- open_ticket_count: OPEN, IN_PROGRESS or WAITING tickets of its customers.

A merge (resolvers/customers/merge.py) re-points tickets and memberships first (the
UPDATE OF customer_id triggers move their counts), then tombstones the merged customer,
which takes it out of every count at its node like a move to nowhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

COLUMNS = ("customer_count", "member_count", "order_count", "revenue", "open_ticket_count")
SHARDS = 16
SALES = ("PAID", "FULFILLED")  # resolvers/order_queries.SALES; tests pin the equality
UNRESOLVED = ("OPEN", "IN_PROGRESS", "WAITING")  # resolvers/tickets.UNRESOLVED


def _in(expr: str, values: tuple[str, ...]) -> str:
    return f"{expr} IN ({', '.join(repr(v) for v in values)})"


def _node_of_customer(row: str, merges: bool = True) -> str:
    """The node of the row's customer; NULL (no bump) when the customer is merged."""
    live = " AND merged_into_id IS NULL" if merges else ""
    return f"(SELECT node_id FROM customer WHERE tenant_id = {row}.tenant_id AND id = {row}.customer_id{live})"


def _live(row: str, what: str, merges: bool = True) -> str:
    return f"CASE WHEN {row}.merged_into_id IS NULL THEN {what} ELSE 0 END" if merges else what


def _sale(row: str, what: str) -> str:
    return f"CASE WHEN {_in(f'{row}.status', SALES)} THEN {what} ELSE 0 END"


def _open(row: str) -> str:
    return f"CASE WHEN {_in(f'{row}.status', UNRESOLVED)} THEN 1 ELSE 0 END"


def _customer_members(row: str) -> str:
    return f"(SELECT count(*) FROM membership WHERE tenant_id = {row}.tenant_id AND customer_id = {row}.id)"


def _customer_open_tickets(row: str) -> str:
    return (f"(SELECT count(*) FROM ticket WHERE tenant_id = {row}.tenant_id AND customer_id = {row}.id "
            f"AND {_in('status', UNRESOLVED)})")


@dataclass(frozen=True)
class Bump:
    """Add `deltas` (column -> SQL expression) to the row of node `node` of the row `row`'s tenant."""

    row: str  # NEW or OLD
    node: str
    deltas: dict[str, str]


@dataclass(frozen=True)
class Trigger:
    table: str
    event: str  # INSERT, DELETE, or "UPDATE OF a, b"
    bumps: tuple[Bump, ...]
    when: str | None = None


def _minus(deltas: dict[str, str]) -> dict[str, str]:
    return {k: f"-({v})" for k, v in deltas.items()}


def _order(row: str) -> dict[str, str]:
    return {"order_count": _sale(row, "1"), "revenue": _sale(row, f"{row}.total_reporting_minor")}


def _customer_moves(row: str, m: bool) -> dict[str, str]:
    return {"customer_count": _live(row, "1", m), "member_count": _live(row, _customer_members(row), m),
            "open_ticket_count": _live(row, _customer_open_tickets(row), m)}


def triggers(merges: bool = True) -> tuple[Trigger, ...]:
    """The triggers; `merges=False` gives them as migration 0003 made them (before tombstones)."""
    m = merges
    customer_update = (
        Trigger("customer", "UPDATE OF node_id, merged_into_id", (
            Bump("OLD", "OLD.node_id", _minus(_customer_moves("OLD", m))),
            Bump("NEW", "NEW.node_id", _customer_moves("NEW", m)),
        ), when="OLD.node_id <> NEW.node_id OR (OLD.merged_into_id IS NULL) <> (NEW.merged_into_id IS NULL)")
        if m else
        Trigger("customer", "UPDATE OF node_id", (
            Bump("OLD", "OLD.node_id", _minus(_customer_moves("OLD", m))),
            Bump("NEW", "NEW.node_id", _customer_moves("NEW", m)),
        ), when="OLD.node_id <> NEW.node_id")
    )
    membership_update = (Trigger("membership", "UPDATE OF customer_id", (
        Bump("OLD", _node_of_customer("OLD"), {"member_count": "-1"}),
        Bump("NEW", _node_of_customer("NEW"), {"member_count": "1"}),
    ), when="OLD.customer_id <> NEW.customer_id"),) if m else ()
    return (
        Trigger("customer", "INSERT", (Bump("NEW", "NEW.node_id", {"customer_count": _live("NEW", "1", m)}),)),
        Trigger("customer", "DELETE", (Bump("OLD", "OLD.node_id", {"customer_count": _live("OLD", "-1", m)}),)),
        # A move, or a merge (tombstone set): out of the old counts, into the new ones.
        customer_update,
        Trigger("membership", "INSERT", (Bump("NEW", _node_of_customer("NEW", m), {"member_count": "1"}),)),
        Trigger("membership", "DELETE", (Bump("OLD", _node_of_customer("OLD", m), {"member_count": "-1"}),)),
        *membership_update,
        Trigger("sales_order", "INSERT", (Bump("NEW", "NEW.store_id", _order("NEW")),)),
        Trigger("sales_order", "DELETE", (Bump("OLD", "OLD.store_id", _minus(_order("OLD"))),)),
        Trigger("sales_order", "UPDATE OF status, total_reporting_minor, store_id", (
            Bump("OLD", "OLD.store_id", _minus(_order("OLD"))),
            Bump("NEW", "NEW.store_id", _order("NEW")),
        )),
        Trigger("ticket", "INSERT", (Bump("NEW", _node_of_customer("NEW", m), {"open_ticket_count": _open("NEW")}),)),
        Trigger("ticket", "DELETE", (
            Bump("OLD", _node_of_customer("OLD", m), _minus({"open_ticket_count": _open("OLD")})),)),
        Trigger("ticket", "UPDATE OF status, customer_id", (
            Bump("OLD", _node_of_customer("OLD", m), _minus({"open_ticket_count": _open("OLD")})),
            Bump("NEW", _node_of_customer("NEW", m), {"open_ticket_count": _open("NEW")}),
        )),
    )


TRIGGERS = triggers()


def _name(trigger: Trigger) -> str:
    return f"node_stats_{trigger.table}_{trigger.event.split()[0].lower()}"


def _values(bump: Bump) -> list[str]:
    return [bump.deltas.get(c, "0") for c in COLUMNS]


_UPSERT_SET = ", ".join(f"{c} = node_stats.{c} + excluded.{c}" for c in COLUMNS)


def _sqlite(trigger: Trigger) -> list[str]:
    name = _name(trigger)
    when = f" WHEN {trigger.when}" if trigger.when else ""
    body = "".join(
        f"INSERT INTO node_stats (tenant_id, node_id, shard, {', '.join(COLUMNS)}) "
        f"SELECT {b.row}.tenant_id, n, 0, {', '.join(_values(b))} FROM (SELECT {b.node} AS n) WHERE n IS NOT NULL "
        f"ON CONFLICT (tenant_id, node_id, shard) DO UPDATE SET {_UPSERT_SET};\n"
        for b in trigger.bumps
    )
    return [f"DROP TRIGGER IF EXISTS {name}",
            f"CREATE TRIGGER {name} AFTER {trigger.event} ON {trigger.table} FOR EACH ROW{when}\nBEGIN\n{body}END"]


_PG_BUMP = f"""CREATE OR REPLACE FUNCTION canopy_node_stats_bump(
  t bigint, n bigint, {', '.join(f'd_{c} bigint' for c in COLUMNS)}) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  IF n IS NULL OR ({' AND '.join(f'd_{c} = 0' for c in COLUMNS)}) THEN
    RETURN;
  END IF;
  -- The shard by backend: concurrent transactions on one store update different rows.
  INSERT INTO node_stats (tenant_id, node_id, shard, {', '.join(COLUMNS)})
  VALUES (t, n, pg_backend_pid() % {SHARDS}, {', '.join(f'd_{c}' for c in COLUMNS)})
  ON CONFLICT (tenant_id, node_id, shard) DO UPDATE SET {_UPSERT_SET};
END
$$"""


def _postgres(trigger: Trigger) -> list[str]:
    name = _name(trigger)
    calls = "".join(
        f"  PERFORM canopy_node_stats_bump({b.row}.tenant_id, {b.node}, {', '.join(_values(b))});\n"
        for b in trigger.bumps
    )
    condition = f"  IF NOT ({trigger.when}) THEN RETURN NULL; END IF;\n" if trigger.when else ""
    return [
        f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\n"
        f"{condition}{calls}  RETURN NULL;\nEND\n$$",
        f'DROP TRIGGER IF EXISTS {name} ON "{trigger.table}"',
        f'CREATE TRIGGER {name} AFTER {trigger.event} ON "{trigger.table}" FOR EACH ROW EXECUTE FUNCTION {name}()',
    ]


def ddl(dialect: str, *, merges: bool = True) -> list[str]:
    """The functions and triggers, idempotent, for `dialect` (postgresql or sqlite)."""
    found = triggers(merges)
    if dialect == "postgresql":
        return [_PG_BUMP] + [s for t in found for s in _postgres(t)]
    return [s for t in found for s in _sqlite(t)]


def drop_ddl(dialect: str) -> list[str]:
    """What ddl() created, dropped (the migration's downgrade)."""
    if dialect == "postgresql":
        return [s for t in TRIGGERS for s in (f'DROP TRIGGER IF EXISTS {_name(t)} ON "{t.table}"',
                                               f"DROP FUNCTION IF EXISTS {_name(t)}()")] + [
            f"DROP FUNCTION IF EXISTS canopy_node_stats_bump({', '.join(['bigint'] * (2 + len(COLUMNS)))})"]
    return [f"DROP TRIGGER IF EXISTS {_name(t)}" for t in TRIGGERS]


def scan_sql(tenant_id: int | None = None, *, merges: bool = True) -> str:
    """The counters computed from the rows: tenant_id, node_id, then COLUMNS, one row per node
    (`merges=False`: as before tombstones, for migration 0003's backfill)."""
    only = f"AND x.tenant_id = {int(tenant_id)}" if tenant_id is not None else ""
    x_live, c_live = ("x.merged_into_id IS NULL", "c.merged_into_id IS NULL") if merges else ("1=1", "1=1")
    names = ", ".join(f"{v} AS {c}" for v, c in zip(("1", "0", "0", "0", "0"), COLUMNS, strict=True))
    parts = [
        f"SELECT x.tenant_id, x.node_id, {names} FROM customer x WHERE {x_live} {only}",
        f"SELECT x.tenant_id, c.node_id, 0, 1, 0, 0, 0 FROM membership x JOIN customer c "
        f"ON c.tenant_id = x.tenant_id AND c.id = x.customer_id WHERE {c_live} {only}",
        f"SELECT x.tenant_id, x.store_id, 0, 0, 1, x.total_reporting_minor, 0 FROM sales_order x "
        f"WHERE {_in('x.status', SALES)} {only}",
        f"SELECT x.tenant_id, c.node_id, 0, 0, 0, 0, 1 FROM ticket x JOIN customer c "
        f"ON c.tenant_id = x.tenant_id AND c.id = x.customer_id "
        f"WHERE {c_live} AND {_in('x.status', UNRESOLVED)} {only}",
    ]
    sums = ", ".join(f"sum({c}) AS {c}" for c in COLUMNS)
    return f"SELECT tenant_id, node_id, {sums} FROM ({' UNION ALL '.join(parts)}) AS x GROUP BY tenant_id, node_id"


def counters_sql(tenant_id: int | None = None) -> str:
    """The counters as stored (summed over shards), in scan_sql's shape."""
    only = f" WHERE tenant_id = {int(tenant_id)}" if tenant_id is not None else ""
    sums = ", ".join(f"sum({c}) AS {c}" for c in COLUMNS)
    return f"SELECT tenant_id, node_id, {sums} FROM node_stats{only} GROUP BY tenant_id, node_id"


def rebuild_sql(tenant_id: int | None = None, *, merges: bool = True) -> list[str]:
    """Recompute the counters from the rows: the migration's backfill, and repair for one tenant."""
    return [
        "DELETE FROM node_stats" + (f" WHERE tenant_id = {int(tenant_id)}" if tenant_id is not None else ""),
        f"INSERT INTO node_stats (tenant_id, node_id, shard, {', '.join(COLUMNS)}) "
        f"SELECT tenant_id, node_id, 0, {', '.join(COLUMNS)} FROM ({scan_sql(tenant_id, merges=merges)}) AS s",
    ]


Counts = dict[tuple[int, int], tuple[int, ...]]


async def differences(session: Any, tenant_id: int | None = None) -> tuple[Counts, Counts, list[tuple[int, int]]]:
    """The stored counters, the row scan, and the nodes where they differ (nothing is written)."""
    from sqlalchemy import text

    async def read(sql: str) -> Counts:
        rows = (await session.execute(text(sql))).all()
        return {(int(r[0]), int(r[1])): tuple(int(v or 0) for v in r[2:]) for r in rows}

    stored, scanned = await read(counters_sql(tenant_id)), await read(scan_sql(tenant_id))
    zero = (0,) * len(COLUMNS)
    differed = sorted(k for k in stored.keys() | scanned.keys() if stored.get(k, zero) != scanned.get(k, zero))
    return stored, scanned, differed


def install(conn: Any) -> None:
    """Create the triggers on a sync connection (tests build schemas with create_all, not migrations)."""
    for statement in ddl(conn.dialect.name):
        conn.exec_driver_sql(statement)

"""Per-customer paid-sales rollup (`customer_order_stats`), kept by triggers on both backends.

Triggers, as for db/node_stats.py: orders change through ORM flushes, conditional Core
UPDATEs (status changes), Core bulk inserts (imports, the bench generator) and UPDATEs of
customer_id (a merge moves orders), and every one must move the rollup in its transaction.

Deltas, not a recompute per write: recomputing costs the customer's whole order history on
every order (a customer with 7,000 orders: ~15 ms each; 50,000 bench orders imported in 51 s
instead of 4 s). A sale arriving adds its value and 1 and widens [first, last] with
least/greatest; a sale leaving subtracts them, and only when it sat on a bound of
[first, last] are the bounds recomputed from the customer's orders. An update is the old row
leaving and the new one arriving (an order moved by a merge, refunded, re-priced). Exact under
concurrency on PostgreSQL: each delta is one UPDATE/upsert of the row, applied to its latest
version under the row lock (as node_stats' counters); the bounds' recompute runs after that
lock in a new statement, whose READ COMMITTED snapshot holds every transaction that held the
lock before (tests/orders/test_customer_stats.py runs parallel payments). In a multi-row
statement the row triggers run after it on PostgreSQL and see its final rows, so a recompute
reads the final bounds; `coalesce` keeps the old ones while a later row's delta is pending.
SQLite has one writer at a time.

A row exists exactly when the customer has PAID or FULFILLED orders (SALES of
resolvers/orders/queries.py, as db/node_stats.py counts them).
"""

from __future__ import annotations

from typing import Any

from db.node_stats import SALES, _in

TABLE = "customer_order_stats"
COLUMNS = ("lifetime_value", "order_count", "first_order_at", "last_order_at")
_AGGREGATES = "coalesce(sum(total_reporting_minor), 0), count(*), min(placed_at), max(placed_at)"
# An update that changes none of these leaves every customer's sales as they were.
_RELEVANT = (
    "(OLD.customer_id <> NEW.customer_id OR OLD.placed_at <> NEW.placed_at"
    " OR OLD.total_reporting_minor <> NEW.total_reporting_minor"
    f" OR ({_in('OLD.status', SALES)}) <> ({_in('NEW.status', SALES)}))"
)
_KEY = "tenant_id = {r}.tenant_id AND customer_id = {r}.customer_id"


def _sales_of(tenant: str, customer: str) -> str:
    return f"FROM sales_order WHERE tenant_id = {tenant} AND customer_id = {customer} AND {_in('status', SALES)}"


def _add(r: str) -> list[str]:
    """Row `r` (NEW) becomes one of its customer's sales."""
    return [
        f"INSERT INTO {TABLE} (tenant_id, customer_id, {', '.join(COLUMNS)}) "
        f"VALUES ({r}.tenant_id, {r}.customer_id, {r}.total_reporting_minor, 1, {r}.placed_at, {r}.placed_at) "
        f"ON CONFLICT (tenant_id, customer_id) DO UPDATE SET "
        f"lifetime_value = {TABLE}.lifetime_value + excluded.lifetime_value, order_count = {TABLE}.order_count + 1, "
        "first_order_at = {least}({t}.first_order_at, excluded.first_order_at), "
        "last_order_at = {greatest}({t}.last_order_at, excluded.last_order_at)",
    ]


def _remove(r: str) -> list[str]:
    """Row `r` (OLD) stops being one of its customer's sales."""
    key = _KEY.format(r=r)
    return [
        f"UPDATE {TABLE} SET lifetime_value = lifetime_value - {r}.total_reporting_minor, "
        f"order_count = order_count - 1 WHERE {key}",
        f"DELETE FROM {TABLE} WHERE {key} AND order_count <= 0",
        f"UPDATE {TABLE} SET "
        f"first_order_at = coalesce((SELECT min(placed_at) {_sales_of(f'{r}.tenant_id', f'{r}.customer_id')}), "
        f"first_order_at), "
        f"last_order_at = coalesce((SELECT max(placed_at) {_sales_of(f'{r}.tenant_id', f'{r}.customer_id')}), "
        f"last_order_at) "
        f"WHERE {key} AND ({r}.placed_at <= first_order_at OR {r}.placed_at >= last_order_at)",
    ]


def _statements(r: str, add: bool, dialect: str) -> list[str]:
    least, greatest = ("least", "greatest") if dialect == "postgresql" else ("min", "max")
    return [x.replace("{least}", least).replace("{greatest}", greatest).replace("{t}", TABLE)
            for x in (_add(r) if add else _remove(r))]


# (name suffix, event, condition, [(row, arriving?)]): what each trigger applies, in order
_TRIGGERS = (
    ("insert", "INSERT", _in("NEW.status", SALES), [("NEW", True)]),
    ("delete", "DELETE", _in("OLD.status", SALES), [("OLD", False)]),
    ("update_leave", "UPDATE OF customer_id, placed_at, total_reporting_minor, status",
     f"{_RELEVANT} AND {_in('OLD.status', SALES)}", [("OLD", False)]),
    ("update_arrive", "UPDATE OF customer_id, placed_at, total_reporting_minor, status",
     f"{_RELEVANT} AND {_in('NEW.status', SALES)}", [("NEW", True)]),
)


def _sqlite(suffix: str, event: str, when: str, steps: list[tuple[str, bool]]) -> list[str]:
    name = f"{TABLE}_{suffix}"
    body = "".join(f"{x};\n" for r, add in steps for x in _statements(r, add, "sqlite"))
    return [f"DROP TRIGGER IF EXISTS {name}",
            f"CREATE TRIGGER {name} AFTER {event} ON sales_order FOR EACH ROW WHEN {when}\nBEGIN\n{body}END"]


def _postgres(suffix: str, event: str, when: str, steps: list[tuple[str, bool]]) -> list[str]:
    name = f"{TABLE}_{suffix}"
    body = "".join(f"  {x};\n" for r, add in steps for x in _statements(r, add, "postgresql"))
    return [
        f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\n"
        f"  IF NOT ({when}) THEN RETURN NULL; END IF;\n{body}  RETURN NULL;\nEND\n$$",
        f"DROP TRIGGER IF EXISTS {name} ON sales_order",
        f"CREATE TRIGGER {name} AFTER {event} ON sales_order FOR EACH ROW EXECUTE FUNCTION {name}()",
    ]


def ddl(dialect: str) -> list[str]:
    """The functions and triggers, idempotent, for `dialect` (postgresql or sqlite)."""
    build = _postgres if dialect == "postgresql" else _sqlite
    return [s for t in _TRIGGERS for s in build(*t)]


def drop_ddl(dialect: str) -> list[str]:
    """What ddl() created, dropped (the migration's downgrade)."""
    if dialect == "postgresql":
        return [s for suffix, *_ in _TRIGGERS for s in (f"DROP TRIGGER IF EXISTS {TABLE}_{suffix} ON sales_order",
                                                         f"DROP FUNCTION IF EXISTS {TABLE}_{suffix}()")]
    return [f"DROP TRIGGER IF EXISTS {TABLE}_{suffix}" for suffix, *_ in _TRIGGERS]


def scan_sql(tenant_id: int | None = None) -> str:
    """The rollup computed from the orders: tenant_id, customer_id, then COLUMNS."""
    only = f" AND tenant_id = {int(tenant_id)}" if tenant_id is not None else ""
    return (f"SELECT tenant_id, customer_id, {_AGGREGATES} FROM sales_order "
            f"WHERE {_in('status', SALES)}{only} GROUP BY tenant_id, customer_id")


def rebuild_sql(tenant_id: int | None = None) -> list[str]:
    """Recompute the rollup from the orders: the migration's backfill, and repair for one tenant."""
    return [
        f"DELETE FROM {TABLE}" + (f" WHERE tenant_id = {int(tenant_id)}" if tenant_id is not None else ""),
        f"INSERT INTO {TABLE} (tenant_id, customer_id, {', '.join(COLUMNS)}) {scan_sql(tenant_id)}",
    ]


Rows = dict[tuple[int, int], tuple[Any, ...]]


async def differences(session: Any, tenant_id: int | None = None) -> tuple[Rows, Rows, list[tuple[int, int]]]:
    """The stored rows, the order scan, and the customers where they differ (nothing is written)."""
    from sqlalchemy import text

    only = f" WHERE tenant_id = {int(tenant_id)}" if tenant_id is not None else ""

    async def read(sql: str) -> Rows:
        # Times as the driver returns them from both queries (text on SQLite, datetimes on PostgreSQL).
        return {(int(r[0]), int(r[1])): (int(r[2]), int(r[3]), r[4], r[5]) for r in (await session.execute(text(sql)))}

    stored = await read(f"SELECT tenant_id, customer_id, {', '.join(COLUMNS)} FROM {TABLE}{only}")
    scanned = await read(scan_sql(tenant_id))
    differed = sorted(k for k in stored.keys() | scanned.keys() if stored.get(k) != scanned.get(k))
    return stored, scanned, differed


def install(conn: Any) -> None:
    """Create the triggers on a sync connection (tests build schemas with create_all, not migrations)."""
    for statement in ddl(conn.dialect.name):
        conn.exec_driver_sql(statement)

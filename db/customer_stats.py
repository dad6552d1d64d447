"""Per-customer paid-sales rollup (`customer_order_stats`), kept by triggers on both backends.

Triggers, as for db/node_stats.py: orders change through ORM flushes, conditional Core
UPDATEs (status changes), Core bulk inserts (imports, the bench generator) and UPDATEs of
customer_id (a merge moves orders), and every one must move the rollup in its transaction.

Each trigger recomputes the customer's row from its orders (an aggregate over
ix_sales_order_customer) rather than adding deltas: the first and last order times cannot
be kept by +/- when an order stops being a sale. Under concurrency on PostgreSQL the
recompute first locks the customer's row (an upsert that changes nothing), then aggregates
in a new statement, whose READ COMMITTED snapshot is taken after the lock: it sees every
order of the transactions that held the lock before, so the last writer leaves the exact
row (tests/orders/test_customer_stats.py runs parallel order creations). SQLite has one
writer at a time.

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
    "OLD.customer_id <> NEW.customer_id OR OLD.placed_at <> NEW.placed_at"
    " OR OLD.total_reporting_minor <> NEW.total_reporting_minor"
    f" OR ({_in('OLD.status', SALES)}) <> ({_in('NEW.status', SALES)})"
)
# (trigger name suffix, event, rows whose customer to recompute, condition)
_TRIGGERS = (  # inserting or deleting an order that is not a sale changes nothing
    ("insert", "INSERT", ("NEW",), _in("NEW.status", SALES)),
    ("delete", "DELETE", ("OLD",), _in("OLD.status", SALES)),
    ("update", "UPDATE OF customer_id, placed_at, total_reporting_minor, status", ("OLD", "NEW"), _RELEVANT),
)


def _sales_of(tenant: str, customer: str) -> str:
    return f"FROM sales_order WHERE tenant_id = {tenant} AND customer_id = {customer} AND {_in('status', SALES)}"


def _sqlite(suffix: str, event: str, rows: tuple[str, ...], when: str | None) -> list[str]:
    name = f"{TABLE}_{suffix}"
    body = "".join(
        f"INSERT INTO {TABLE} (tenant_id, customer_id, {', '.join(COLUMNS)}) "
        f"SELECT {r}.tenant_id, {r}.customer_id, {_AGGREGATES} {_sales_of(f'{r}.tenant_id', f'{r}.customer_id')} "
        f"HAVING count(*) > 0 AND EXISTS (SELECT 1 FROM customer WHERE tenant_id = {r}.tenant_id AND id = {r}.customer_id) "
        f"ON CONFLICT (tenant_id, customer_id) DO UPDATE SET {', '.join(f'{c} = excluded.{c}' for c in COLUMNS)};\n"
        f"DELETE FROM {TABLE} WHERE tenant_id = {r}.tenant_id AND customer_id = {r}.customer_id "
        f"AND NOT EXISTS (SELECT 1 {_sales_of(f'{r}.tenant_id', f'{r}.customer_id')});\n"
        for r in rows
    )
    return [f"DROP TRIGGER IF EXISTS {name}",
            f"CREATE TRIGGER {name} AFTER {event} ON sales_order FOR EACH ROW"
            f"{f' WHEN {when}' if when else ''}\nBEGIN\n{body}END"]


_PG_REFRESH = f"""CREATE OR REPLACE FUNCTION canopy_customer_order_stats_refresh(t bigint, c bigint) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
  v_value bigint; v_count bigint; v_first timestamptz; v_last timestamptz;
BEGIN
  IF NOT EXISTS (SELECT 1 FROM customer WHERE tenant_id = t AND id = c) THEN
    RETURN;  -- its orders go with it (a tenant deleted): the row goes by the cascade
  END IF;
  -- Lock the row (created if missing) before reading the orders: see db/customer_stats.py.
  INSERT INTO {TABLE} (tenant_id, customer_id, {', '.join(COLUMNS)}) VALUES (t, c, 0, 0, now(), now())
  ON CONFLICT (tenant_id, customer_id) DO UPDATE SET order_count = {TABLE}.order_count;
  SELECT {_AGGREGATES} INTO v_value, v_count, v_first, v_last {_sales_of('t', 'c')};
  IF v_count = 0 THEN
    DELETE FROM {TABLE} WHERE tenant_id = t AND customer_id = c;
  ELSE
    UPDATE {TABLE} SET lifetime_value = v_value, order_count = v_count, first_order_at = v_first,
      last_order_at = v_last WHERE tenant_id = t AND customer_id = c;
  END IF;
END
$$"""


def _postgres(suffix: str, event: str, rows: tuple[str, ...], when: str | None) -> list[str]:
    name = f"{TABLE}_{suffix}"
    condition = f"  IF NOT ({when}) THEN RETURN NULL; END IF;\n" if when else ""
    call = "  PERFORM canopy_customer_order_stats_refresh({0}.tenant_id, {0}.customer_id);\n"
    calls = call.format(rows[-1])
    if len(rows) == 2:  # an update within one customer recomputes it once
        calls += f"  IF OLD.customer_id <> NEW.customer_id THEN\n  {call.format('OLD')}  END IF;\n"
    return [
        f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\n"
        f"{condition}{calls}  RETURN NULL;\nEND\n$$",
        f"DROP TRIGGER IF EXISTS {name} ON sales_order",
        f"CREATE TRIGGER {name} AFTER {event} ON sales_order FOR EACH ROW EXECUTE FUNCTION {name}()",
    ]


def ddl(dialect: str) -> list[str]:
    """The functions and triggers, idempotent, for `dialect` (postgresql or sqlite)."""
    if dialect == "postgresql":
        return [_PG_REFRESH] + [s for t in _TRIGGERS for s in _postgres(*t)]
    return [s for t in _TRIGGERS for s in _sqlite(*t)]


def drop_ddl(dialect: str) -> list[str]:
    """What ddl() created, dropped (the migration's downgrade)."""
    if dialect == "postgresql":
        return [s for suffix, *_ in _TRIGGERS for s in (f"DROP TRIGGER IF EXISTS {TABLE}_{suffix} ON sales_order",
                                                         f"DROP FUNCTION IF EXISTS {TABLE}_{suffix}()")] + [
            "DROP FUNCTION IF EXISTS canopy_customer_order_stats_refresh(bigint, bigint)"]
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

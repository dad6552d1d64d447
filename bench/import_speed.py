"""Customer import speed against the raw limit: `python -m bench.import_speed [--rows N]`.

Raw limit: the same customer rows inserted by one plain executemany in one
transaction (no parsing, validation, audit or events). Import: `canopy import
customers` on a CSV file of those rows (parse, validate with the customers
domain's rules, upsert, audit rows, events, batches of --batch-size). Runs on a
fresh SQLite file and on a fresh PostgreSQL database of its own (created on the server of
CANOPY_BENCH_POSTGRES_URL and dropped afterwards), printing rows/s and the ratio import / raw.
With --database-url it runs there instead, refused if that database already holds Canopy
tables unless --reuse (bench/guard.py, the rule of every bench that writes).
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import os
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from sqlalchemy import delete, insert, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

import db.models  # noqa: F401
from bench import guard
from db.base import Base, new_id, utcnow
from db.models.core import AuditEntry, Event
from db.models.customers import Customer
from db.models.tree import TierNode, path_segment
from db.session import Database
from resolvers.bulk import importer as bulk_import
from resolvers.bulk.customers import CustomerImport
from resolvers.core.tenants import get_or_create_tenant
from resolvers.customers.identity import keys_of

PG_URL = os.environ.get("CANOPY_BENCH_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test")
STORES = [f"S-{i:03d}" for i in range(50)]


def _rows(n: int) -> list[dict[str, Any]]:
    return [{
        "externalRef": f"EXT-{i:07d}", "node": STORES[i % len(STORES)], "name": f"Customer {i}",
        "email": f"customer{i}@example.com", "phone": f"+4930{1000000 + i}", "locale": "de-DE",
        "tags": "vip;newsletter" if i % 3 == 0 else "", "attributes": "",
    } for i in range(n)]


async def _prepare(database: Database) -> tuple[int, dict[str, int]]:
    async with database.engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
    async with database.transaction(all_tenants=True) as session:
        tenant, root = await get_or_create_tenant(session, slug="bench", currency="EUR", locale="de-DE")
        stores = {}
        for code in STORES:
            node_id = new_id()
            session.add(TierNode(tenant_id=tenant.id, id=node_id, parent_id=root.id, code=code, name=code,
                                 kind="store", path=f"{root.path}{path_segment(node_id)}/", depth=1))
            stores[code] = node_id
    return tenant.id, stores


class Clock:
    """Wall seconds, and this process's CPU seconds (steadier on a busy machine; SQLite's
    work is in this process, PostgreSQL's is not)."""

    def __enter__(self) -> Clock:
        self.wall, self.cpu = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *_: object) -> None:
        self.wall, self.cpu = time.perf_counter() - self.wall, time.process_time() - self.cpu


async def _raw(database: Database, tenant_id: int, stores: dict[str, int], rows: list[dict[str, Any]]) -> Clock:
    """One executemany of the same customers in one transaction."""
    now = utcnow()
    values = [{
        "tenant_id": tenant_id, "id": new_id(), "node_id": stores[r["node"]], "external_ref": r["externalRef"],
        "name": r["name"], "email": r["email"], "phone": r["phone"], "locale": r["locale"],
        "tags": r["tags"].split(";") if r["tags"] else [], "attributes": {},
        "search_text": f"{r['name']} {r['email']} {r['phone']} {r['externalRef']}".lower(),
        "created_at": now, "updated_at": now, **keys_of(r["name"], r["email"], r["phone"]),
    } for r in rows]
    with Clock() as clock:
        async with database.engine.begin() as conn:
            await conn.execute(insert(Customer.__table__), values)
    async with database.engine.begin() as conn:
        # the bench tenant's only: with --reuse the database may hold other tenants' customers
        await conn.execute(delete(Customer.__table__).where(Customer.__table__.c.tenant_id == tenant_id))
    return clock


async def _import(database: Database, csv_path: Path, batch_size: int) -> list[Clock]:
    """A dry run (parse + validate), the import, and re-importing (all unchanged)."""
    viewer = await bulk_import.system_viewer(database, "bench")
    times = []
    for dry_run in (True, False, False):
        spec = CustomerImport()
        with Clock() as clock:
            summary = await bulk_import.run_import(
                database, viewer, spec, bulk_import.read_rows(csv_path, spec), batch_size=batch_size,
                dry_run=dry_run,
            )
        times.append(clock)
        assert summary.rejected == 0, summary.errors[:3]
    async with database.transaction(tenant_id=viewer.tenant_id) as session:
        audits = await session.scalar(text("SELECT count(*) FROM audit_entry"))
        events = await session.scalar(text("SELECT count(*) FROM event"))
    print(f"  written: {audits} audit rows, {events} events ({AuditEntry.__tablename__}, {Event.__tablename__})")
    return times


async def run(backend: str, n: int, batch_size: int, csv_path: Path, workdir: Path, *,
              given_url: str | None = None, reuse: bool = False) -> None:
    own = None  # the PostgreSQL database this run creates and drops
    if given_url:
        url = given_url
    elif backend == "sqlite":
        url = f"sqlite+aiosqlite:///{workdir / 'bench.db'}"
    else:
        own = f"canopy_bench_import_{uuid.uuid4().hex[:10]}"
        await _admin(f'CREATE DATABASE "{own}"')
        url = make_url(PG_URL).set(database=own).render_as_string(hide_password=False)
    try:
        await guard.refuse_canopy_tables(url, reuse=reuse)
        database = Database(url)
        try:
            await _measure(database, n, batch_size, csv_path, backend)
        finally:
            await database.dispose()
    finally:
        if own:
            await _admin(f'DROP DATABASE IF EXISTS "{own}" WITH (FORCE)')


async def _admin(statement: str) -> None:
    admin = create_async_engine(PG_URL, isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as conn:
            await conn.execute(text(statement))
    finally:
        await admin.dispose()


async def _measure(database: Database, n: int, batch_size: int, csv_path: Path, backend: str) -> None:
    if database.engine.dialect.name == "postgresql":
        async with database.engine.begin() as conn:
            await conn.execute(text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
    tenant_id, stores = await _prepare(database)
    rows = _rows(n)
    raw = await _raw(database, tenant_id, stores, rows)
    dry, first, again = await _import(database, csv_path, batch_size)
    print(f"{backend}: {n} rows")
    print(f"  raw executemany : {n / raw.wall:10,.0f} rows/s   (CPU here {raw.cpu:.2f} s)")
    print(f"  import          : {n / first.wall:10,.0f} rows/s   ratio {raw.wall / first.wall:.2f}"
          f"   (CPU here {first.cpu:.2f} s, CPU ratio {raw.cpu / first.cpu:.2f})")
    print(f"  dry run (parse + validate only): {n / dry.wall:10,.0f} rows/s   (CPU here {dry.cpu:.2f} s)")
    print(f"  re-import (all unchanged)      : {n / again.wall:10,.0f} rows/s   (CPU here {again.cpu:.2f} s)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--batch-size", type=int, default=1000)
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--database-url", help="run on this database instead of a fresh one of the bench's own; "
                        "refused if it already holds Canopy tables, unless --reuse")
    parser.add_argument("--reuse", action="store_true",
                        help="with --database-url: write into its Canopy tables (a data set the bench made there)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        csv_path = workdir / "customers.csv"
        rows = _rows(args.rows)
        with csv_path.open("w", newline="") as f:
            writer = csv.DictWriter(f, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
        if args.database_url:
            backend = "sqlite" if make_url(args.database_url).get_backend_name() == "sqlite" else "postgres"
            asyncio.run(run(backend, args.rows, args.batch_size, csv_path, workdir,
                            given_url=args.database_url, reuse=args.reuse))
            return
        for backend in (["sqlite", "postgres"] if args.backend == "both" else [args.backend]):
            asyncio.run(run(backend, args.rows, args.batch_size, csv_path, workdir))


if __name__ == "__main__":
    main()

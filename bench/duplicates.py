"""Duplicate candidates at size: `python -m bench.duplicates [--customers N] [--db sqlite|postgres|both]`.

N customers over 50 stores, every 20th a duplicate of another (same phone, a gmail
variant of the email, or the name's words reordered), inserted with Core. Prints the
time of duplicateCandidates' first page of 50 and of its totalCount (the service's
statements, as the API runs them), with the pairs found: every planted duplicate must
be among them. On PostgreSQL the trigram reason adds the similar names.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from sqlalchemy import insert, text

import db.models  # noqa: F401
from db.base import Base, new_id, utcnow
from db.models.core import Role
from db.models.customers import POSTGRES_EXTENSIONS, Customer
from db.models.tree import TierNode, path_segment
from db.session import Database
from resolvers.common.paging import Window, count, page_statement
from resolvers.common.viewer import Viewer
from resolvers.core.tenants import get_or_create_tenant
from resolvers.customers import duplicates
from resolvers.customers.identity import keys_of

PG_URL = os.environ.get("CANOPY_BENCH_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test")
GIVEN = ["Anna", "Bruno", "Chloe", "Dmitri", "Elena", "Farid", "Greta", "Hiro", "Ines", "Jonas", "Kofi", "Lena",
         "Mateo", "Nora", "Oskar", "Priya", "Quentin", "Rosa", "Sven", "Tomoko", "Umar", "Vera", "Wim", "Yara"]
SYLLABLES = ["ber", "kal", "mon", "tri", "sa", "vel", "dor", "fen", "lu", "gra", "pe", "ros", "chi", "na", "wex",
             "ot", "zim", "har", "quo", "bel"]


def _family(i: int) -> str:
    """Family names of three syllables: 8,000 of them, so namesakes are as rare as in life."""
    return "".join(SYLLABLES[(i * 7919 // 20 ** k) % 20] for k in range(3)).title()


def _rows(n: int, tenant_id: int, stores: list[int]) -> tuple[list[dict[str, Any]], int]:
    rows, planted, now = [], 0, utcnow()
    for i in range(n):
        name = f"{GIVEN[i % len(GIVEN)]} {_family(i)}"
        email, phone = f"c{i}.x@gmail.com", f"+4930{1000000 + i}"
        if i % 20 == 19:  # a duplicate of customer i - 10, in its own way
            j, planted = i - 10, planted + 1
            kind = (i // 20) % 3
            name = f"{_family(j)}, {GIVEN[j % len(GIVEN)]}" if kind == 2 else name
            email = f"C{j}X+shop@googlemail.com" if kind == 1 else email
            phone = f"+4930{1000000 + j}" if kind == 0 else phone
        rows.append({"tenant_id": tenant_id, "id": new_id(), "node_id": stores[i % len(stores)], "name": name,
                     "email": email, "phone": phone, **keys_of(name, email, phone),
                     "search_text": name.lower(), "tags": [], "attributes": {}, "created_at": now, "updated_at": now})
    return rows, planted


async def _bench(database: Database, n: int) -> dict[str, Any]:
    async with database.engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
    async with database.transaction(all_tenants=True) as session:
        tenant, root = await get_or_create_tenant(session, slug="bench", currency="EUR")
        stores = []
        for k in range(50):
            node_id = new_id()
            session.add(TierNode(tenant_id=tenant.id, id=node_id, parent_id=root.id, code=f"S-{k}", name=f"S-{k}",
                                 kind="store", path=f"{root.path}{path_segment(node_id)}/", depth=1))
            stores.append(node_id)
    rows, planted = _rows(n, tenant.id, stores)
    async with database.transaction(all_tenants=True) as session:
        for start in range(0, n, 5000):
            await session.execute(insert(Customer.__table__), rows[start:start + 5000])
    if database.dialect == "postgresql":
        async with database.engine.begin() as conn:
            await conn.execute(text("ANALYZE customer"))
            await conn.execute(text("ANALYZE tier_node"))
    viewer = Viewer(staff_id=0, tenant_id=tenant.id, role=Role.ADMIN, scope_node_id=root.id, scope_path=root.path)
    async with database.session(tenant_id=tenant.id) as session:
        stmt, order = duplicates.candidates_query(viewer, duplicates.dialect_of(session), None)
        start = time.perf_counter()
        page = (await session.execute(page_statement(stmt, order, Window(size=50)))).all()
        page_ms = (time.perf_counter() - start) * 1000
        start = time.perf_counter()
        total = await count(session, stmt)
        count_ms = (time.perf_counter() - start) * 1000
    return {"customers": n, "planted": planted, "pairs": total, "page_ms": page_ms, "count_ms": count_ms,
            "page": len(page)}


async def _sqlite(n: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        database = Database(f"sqlite+aiosqlite:///{Path(tmp) / 'dup.db'}")
        try:
            return await _bench(database, n)
        finally:
            await database.dispose()


async def _postgres(n: int) -> dict[str, Any]:
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    admin = Database(PG_URL)
    async with admin.engine.begin() as conn:
        for statement in POSTGRES_EXTENSIONS:
            await conn.execute(text(statement))
        await conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    database = Database(f"{PG_URL}?search_path={schema},public")
    try:
        return await _bench(database, n)
    finally:
        await database.dispose()
        async with admin.engine.begin() as conn:
            await conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        await admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--customers", type=int, default=20_000)
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    args = parser.parse_args()
    for name, run in (("sqlite", _sqlite), ("postgres", _postgres)):
        if args.db in (name, "both"):
            r = asyncio.run(run(args.customers))
            print(f"{name:8} {r['customers']:>7} customers, {r['planted']} planted duplicates: {r['pairs']} pairs; "
                  f"first page of 50 {r['page_ms']:.0f} ms, totalCount {r['count_ms']:.0f} ms")


if __name__ == "__main__":
    main()

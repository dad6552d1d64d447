"""The cost of field-level encryption (docs/encryption.md): `python -m bench.encryption [--rows N]`.

On fresh SQLite files, once with encryption off and once with a keyring:
- page: a customer page of 100 interactions (summaries ~200 characters) and its
  attributes through the GraphQL API (in-process ASGI), median of --repeat reads;
- list: a page of 100 customers with email and phone; find: the bot's lookup by phone
  (the blind index), each median of --repeat reads;
- import: `canopy import customers` of --rows customers with an attributes document;
- per value: sealing and opening one 200-character summary.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import statistics
import tempfile
import time
from pathlib import Path

import httpx
from sqlalchemy import insert, select

import db.models  # noqa: F401
from bench.import_speed import STORES, _prepare
from config import Settings
from db import crypto
from db.base import Base, new_id, utcnow
from db.models.core import Tenant
from db.models.customers import Customer
from db.models.service import Interaction
from db.models.tree import TierNode
from db.session import Database
from resolvers.bulk import importer as bulk_import
from resolvers.bulk.customers import CustomerImport
from resolvers.core.auth import issue_token
from resolvers.core.tenants import create_admin
from resolvers.customers.identity import keys_of
from schema.relay import to_global_id
from server import create_app

SUMMARY = ("Called about the order of the blue kettle; wants delivery on Saturday morning, asked "
           "whether the matching toaster is in stock at the Berlin store and about the loyalty points.")
PAGE = """query($id: ID!) { node(id: $id) { ... on Customer { attributes
  interactions(first: 100) { edges { node { summary kind occurredAt } } } } } }"""
LIST = """{ customers(first: 100, filter: {search: "listed"}) { edges { node { name email phone } } } }"""
FIND = """query($search: String!) { customers(first: 2, filter: {search: $search}) {
  edges { node { name email phone } } } }"""
QUERIES = ("page", "list", "find")


async def _page_app(workdir: Path, keys: Path | None) -> tuple[httpx.AsyncClient, dict, dict, Database]:
    """A database holding one customer page, written with encryption on or off, and a client of its app."""
    crypto.configure(keys)
    database = Database(f"sqlite+aiosqlite:///{workdir / f'page-{bool(keys)}.db'}")
    async with database.engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
    tenant_id, stores = await _prepare(database)
    async with database.transaction(all_tenants=True) as session:
        tenant = await session.get(Tenant, tenant_id)
        root = await session.scalar(select(TierNode).where(TierNode.tenant_id == tenant_id, TierNode.parent_id.is_(None)))
        admin = await create_admin(session, tenant=tenant, root=root, email="bench@example.com",
                                   password="a long bench password 42")
        token, _ = await issue_token(session, admin, name="bench")
    customer_id = new_id()
    now = utcnow()
    async with database.transaction(tenant_id=tenant_id) as session:
        await session.execute(insert(Customer.__table__), [{
            "tenant_id": tenant_id, "id": customer_id, "node_id": stores[STORES[0]], "name": "Page Customer",
            "tags": [], "attributes": {"segment": "gold", "note": SUMMARY}, "search_text": "page customer",
            "created_at": now, "updated_at": now}])
        await session.execute(insert(Interaction.__table__), [{
            "tenant_id": tenant_id, "id": new_id(), "customer_id": customer_id, "staff_id": admin.id,
            "kind": "CALL", "channel": "api", "summary": f"{i} {SUMMARY}", "occurred_at": now, "created_at": now,
        } for i in range(100)])
        await session.execute(insert(Customer.__table__), [{
            "tenant_id": tenant_id, "id": new_id(), "node_id": stores[STORES[i % len(STORES)]], "name": f"Listed {i}",
            "email": f"listed{i}@example.com", "phone": f"+4930{2000000 + i}", "tags": [], "attributes": {},
            "search_text": f"listed {i}", "created_at": now, "updated_at": now,
            **keys_of(f"Listed {i}", f"listed{i}@example.com", f"+4930{2000000 + i}")} for i in range(100)])
    app = create_app(Settings(database_url=database.url, data_keys=str(keys) if keys else None),
                     db=database, migrate_on_start=False)
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench")
    bodies = {"page": {"query": PAGE, "variables": {"id": str(to_global_id("Customer", customer_id))}},
              "list": {"query": LIST}, "find": {"query": FIND, "variables": {"search": "+4930 2000042"}}}
    return client, bodies, {"Authorization": f"Bearer {token}"}, database


def _check(kind: str, data: dict) -> None:
    if kind == "page":
        edges = data["node"]["interactions"]["edges"]
        assert len(edges) == 100 and edges[0]["node"]["summary"].endswith(SUMMARY), data
    else:
        edges = data["customers"]["edges"]
        assert len(edges) == (100 if kind == "list" else 1) and "@example.com" in edges[0]["node"]["email"], data


async def _pages(workdir: Path, keys: Path, repeat: int) -> dict[str, tuple[float, float]]:
    """Median ms of each read off and on, requests alternating so machine noise hits both alike."""
    apps = {False: await _page_app(workdir, None), True: await _page_app(workdir, keys)}
    timings: dict[tuple[str, bool], list[float]] = {(k, on): [] for k in QUERIES for on in (False, True)}
    for i in range(repeat + 3):
        for kind in QUERIES:
            for on, (client, bodies, headers, _db) in apps.items():
                crypto.configure(keys if on else None)
                started = time.perf_counter()
                resp = await client.post("/graphql", json=bodies[kind], headers=headers)
                if i >= 3:  # warm-up first
                    timings[kind, on].append(time.perf_counter() - started)
                _check(kind, resp.json()["data"])
    for client, _bodies, _headers, database in apps.values():
        await client.aclose()
        await database.dispose()
    return {k: (statistics.median(timings[k, False]) * 1000, statistics.median(timings[k, True]) * 1000)
            for k in QUERIES}


async def _import(workdir: Path, keys: Path | None, rows: int) -> float:
    crypto.configure(keys)
    csv_path = workdir / "customers.csv"
    with csv_path.open("w", newline="") as fh:
        writer = csv.DictWriter(fh, ["externalRef", "node", "name", "email", "phone", "attributes"])
        writer.writeheader()
        for i in range(rows):
            writer.writerow({"externalRef": f"EXT-{i:07d}", "node": STORES[i % len(STORES)], "name": f"Customer {i}",
                             "email": f"customer{i}@example.com", "phone": f"+4930{1000000 + i}",
                             "attributes": '{"segment": "gold", "note": "prefers email, store Berlin"}'})
    database = Database(f"sqlite+aiosqlite:///{workdir / f'import-{bool(keys)}-{new_id()}.db'}")
    async with database.engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
    await _prepare(database)
    viewer = await bulk_import.system_viewer(database, "bench")
    spec = CustomerImport()
    started = time.perf_counter()
    summary = await bulk_import.run_import(database, viewer, spec, bulk_import.read_rows(csv_path, spec),
                                           batch_size=500, dry_run=False)
    elapsed = time.perf_counter() - started
    assert summary.rejected == 0, summary.errors[:3]
    await database.dispose()
    return rows / elapsed


def _per_value(keys: Path, n: int = 20_000) -> tuple[float, float]:
    ring = crypto.Keyring.load(keys)
    started = time.perf_counter()
    tokens = [ring.encrypt(SUMMARY, b"interaction.summary") for _ in range(n)]
    sealed = time.perf_counter() - started
    started = time.perf_counter()
    for token in tokens:
        ring.decrypt(token, b"interaction.summary")
    return sealed / n * 1e6, (time.perf_counter() - started) / n * 1e6


async def main_async(rows: int, repeat: int) -> None:
    with tempfile.TemporaryDirectory(prefix="canopy-bench-enc-") as tmp:
        workdir = Path(tmp)
        keys = workdir / "bench.keys"
        crypto.Keyring.generate(keys)
        reads = await _pages(workdir, keys, repeat)
        # Alternating, best of two each: the machine's noise dwarfs the difference otherwise.
        runs = [(on, await _import(workdir, keys if on else None, rows)) for on in (False, True, False, True)]
        import_off = max(r for on, r in runs if not on)
        import_on = max(r for on, r in runs if on)
        seal, open_ = _per_value(keys)
        crypto.configure(None)
    print("| measurement (SQLite) | encryption off | encryption on | cost |")
    print("|---|---|---|---|")
    labels = {"page": "customer page, 100 interactions + attributes", "list": "list of 100 customers, email + phone",
              "find": "find by phone (blind index)"}
    for kind, (off, on) in reads.items():
        print(f"| {labels[kind]} (median of {repeat}, alternating) | {off:.1f} ms | {on:.1f} ms | {on / off - 1:+.0%} |")
    print(f"| import of {rows} customers with attributes (best of 2) | {import_off:,.0f} rows/s | {import_on:,.0f} rows/s | "
          f"{import_off / import_on - 1:+.0%} time |")
    print(f"| one 200-character value | | seal {seal:.1f} µs, open {open_:.1f} µs | |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    asyncio.run(main_async(args.rows, args.repeat))


if __name__ == "__main__":
    main()

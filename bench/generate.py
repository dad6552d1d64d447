"""Deterministic data generator for benchmarks: `python -m bench.generate --scale S`.

Scales: tiny (smoke test), S (300 nodes, 10^4 customers, 5*10^4 orders),
M (3*10^3, 10^5, 5*10^5), L (10^4, 10^6, 3*10^6). A few large stores and many
small ones (Pareto), Pareto spend per customer. Rows go in by multi-row
executemany batches, printing rows/s per table.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import string
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from sqlalchemy import insert

from bench import guard
from db.base import Base, new_id
from db.migrate import migrate
from db.models.core import Role, Staff
from db.models.tree import TierNode, path_segment
from db.session import Database
from resolvers.core.auth import hash_password, issue_token
from resolvers.customers.identity import keys_of

console = Console(stderr=True)
BATCH = 5000


@dataclass(frozen=True)
class Scale:
    nodes: int
    customers: int
    orders: int


SCALES = {
    "tiny": Scale(40, 500, 1500),
    "S": Scale(300, 10_000, 50_000),
    "M": Scale(3_000, 100_000, 500_000),
    "L": Scale(10_000, 1_000_000, 3_000_000),
}

FIRST = {
    "de": ["Lena", "Jonas", "Mia", "Felix", "Hannah", "Lukas", "Sophie", "Paul"],
    "fr": ["Camille", "Louis", "Chloé", "Hugo", "Léa", "Jules", "Manon", "Arthur"],
    "en": ["Olivia", "Jack", "Amelia", "Harry", "Isla", "George", "Emily", "Noah"],
    "zh": ["伟", "芳", "娜", "敏", "静", "磊", "洋", "婷"],
    "ja": ["Haruto", "Yui", "Sota", "Hina", "Ren", "Aoi", "Yuto", "Mei"],
    "pt": ["Miguel", "Alice", "Arthur", "Helena", "Davi", "Laura", "Gael", "Valentina"],
}
LAST = {
    "de": ["Müller", "Schmidt", "Weber", "Wagner", "Becker"],
    "fr": ["Martin", "Bernard", "Dubois", "Durand", "Lefebvre"],
    "en": ["Smith", "Jones", "Taylor", "Brown", "Wilson"],
    "zh": ["王", "李", "张", "刘", "陈"],
    "ja": ["Sato", "Suzuki", "Takahashi", "Tanaka", "Watanabe"],
    "pt": ["Silva", "Santos", "Oliveira", "Souza", "Lima"],
}
COUNTRIES = [  # (code, locale, language key, currency, timezone, phone prefix)
    ("DE", "de-DE", "de", "EUR", "Europe/Berlin", "+4930"),
    ("FR", "fr-FR", "fr", "EUR", "Europe/Paris", "+3314"),
    ("GB", "en-GB", "en", "GBP", "Europe/London", "+44207"),
    ("CN", "zh-CN", "zh", "CNY", "Asia/Shanghai", "+86138"),
    ("JP", "ja-JP", "ja", "JPY", "Asia/Tokyo", "+81312"),
    ("BR", "pt-BR", "pt", "BRL", "America/Sao_Paulo", "+551199"),
    ("US", "en-US", "en", "USD", "America/New_York", "+1212555"),
]
TAGS = ["vip", "newsletter", "wholesale", "student", "staff", "birthday-club", "b2b", "app-user"]


@dataclass
class Generated:
    tenant_id: int
    root_id: int
    admin_token: str
    stores: list[tuple[int, str, str]] = field(default_factory=list)  # (id, country code, path)
    regions: list[int] = field(default_factory=list)
    customers: list[int] = field(default_factory=list)
    customer_stores: dict[int, tuple[int, str]] = field(default_factory=dict)  # id -> (store, country)
    members: int = 0


def _progress() -> Progress:
    return Progress(
        TextColumn("{task.description:<14}"), BarColumn(), MofNCompleteColumn(),
        TextColumn("{task.fields[rate]:>10} rows/s"), TimeRemainingColumn(), console=console,
    )


async def _insert(db: Database, tenant_id: int, model: Any, rows: Iterator[dict[str, Any]],
                  total: int, progress: Progress, label: str) -> None:
    """Bulk insert by batches in their own transactions (Core: no ORM, no audit)."""
    table = model.__table__
    task = progress.add_task(label, total=total, rate="")
    start, done, batch = time.perf_counter(), 0, []

    async def flush() -> None:
        nonlocal done
        async with db.session(tenant_id=tenant_id) as session:
            await session.execute(insert(table), [{k: v for k, v in r.items() if k in table.c} for r in batch])
            await session.commit()
        done += len(batch)
        batch.clear()
        progress.update(task, completed=done, rate=f"{done / (time.perf_counter() - start):,.0f}")

    for row in rows:
        batch.append(row)
        if len(batch) >= BATCH:
            await flush()
    if batch:
        await flush()


def _pareto_weights(rng: random.Random, n: int) -> list[float]:
    return [rng.paretovariate(1.16) for _ in range(n)]


async def generate(db: Database, scale: Scale, *, seed: int = 42, slug: str = "bench") -> Generated:
    rng = random.Random(seed)
    await migrate(db)
    async with db.transaction(all_tenants=True) as session:
        from resolvers.core.tenants import create_admin, get_or_create_tenant

        tenant, root = await get_or_create_tenant(session, slug=slug, reporting_currency="EUR")
        admin = await create_admin(session, tenant=tenant, root=root, email=f"admin@{slug}.example",
                                   password="bench-password")
        token, _ = await issue_token(session, admin, name="bench")
    gen = Generated(tenant_id=tenant.id, root_id=root.id, admin_token=token)
    nodes = _tree(rng, tenant.id, root, scale.nodes, gen)
    with _progress() as progress:
        await _insert(db, tenant.id, TierNode, iter(nodes), len(nodes), progress, "tier nodes")
        for step in _steps():
            await step(db, rng, scale, gen, progress)
    # Planner statistics, as a live database has them (autovacuum would get there later).
    async with db.engine.connect() as conn:
        await conn.exec_driver_sql("ANALYZE")
        await conn.commit()
    return gen


def _tree(rng: random.Random, tenant_id: int, root: Any, total: int, gen: Generated) -> list[dict[str, Any]]:
    """HQ -> regions -> countries -> stores; the rest of the budget is stores."""
    rows: list[dict[str, Any]] = []

    def node(parent_path: str, depth: int, parent_id: int, code: str, kind: str, **kw: Any) -> dict[str, Any]:
        nid = new_id()
        row = {"tenant_id": tenant_id, "id": nid, "parent_id": parent_id, "code": code, "name": code,
               "kind": kind, "path": parent_path + path_segment(nid) + "/", "depth": depth, **kw}
        rows.append(row)
        return row

    n_regions = max(3, total // 300)
    n_countries = max(len(COUNTRIES), total // 40)
    n_stores = max(1, total - n_regions - n_countries - 1)
    regions = [node(root.path, 1, root.id, f"R{i:03d}", "region") for i in range(n_regions)]
    gen.regions = [r["id"] for r in regions]
    countries = []
    for i in range(n_countries):
        code, locale, _lang, currency, tz, _ = COUNTRIES[i % len(COUNTRIES)]
        region = regions[i % n_regions]
        countries.append((code, node(region["path"], 2, region["id"], f"C{i:04d}-{code}", "country",
                                     currency=currency, locale=locale, timezone=tz)))
    for i in range(n_stores):
        code, country = countries[rng.randrange(len(countries))]
        store = node(country["path"], 3, country["id"], f"S{i:05d}", "store")
        gen.stores.append((store["id"], code, store["path"]))
    return rows


async def _staff(db: Database, rng: random.Random, scale: Scale, gen: Generated, progress: Progress) -> None:
    """One sales member per store (the bot lookup benchmark runs as one of them)."""
    pw = hash_password("bench-password")
    rows = (
        {"tenant_id": gen.tenant_id, "id": new_id(), "name": f"Sales {i}", "email": f"sales{i}@bench.example",
         "password_hash": pw, "role": Role.SALES.value, "scope_node_id": store_id, "locale": "en",
         "active": True, "grants": [], "created_at": datetime.now(UTC)}
        for i, (store_id, _c, _p) in enumerate(gen.stores)
    )
    await _insert(db, gen.tenant_id, Staff, rows, len(gen.stores), progress, "staff")


def phone_of(i: int, prefix: str) -> str:
    return f"{prefix}{i:07d}"[:16]


async def _customers(db: Database, rng: random.Random, scale: Scale, gen: Generated, progress: Progress) -> None:
    from db.models.customers import Customer

    weights = _pareto_weights(rng, len(gen.stores))
    stores = rng.choices(gen.stores, weights=weights, k=scale.customers)
    now = datetime.now(UTC)
    prefixes = {c[0]: c for c in COUNTRIES}
    tag_rows: list[dict[str, Any]] = []

    def rows() -> Iterator[dict[str, Any]]:
        for i, (store_id, country, _path) in enumerate(stores):
            _code, locale, lang, _cur, _tz, prefix = prefixes[country]
            name = f"{rng.choice(FIRST[lang])} {rng.choice(LAST[lang])}"
            email = f"c{i}.{''.join(rng.choices(string.ascii_lowercase, k=5))}@mail.example"
            phone = phone_of(i, prefix)
            ref = f"EXT-{i:08d}"
            cid = new_id()
            gen.customers.append(cid)
            gen.customer_stores[cid] = (store_id, country)
            tags = sorted(set(rng.sample(TAGS, k=rng.choice([0, 0, 1, 1, 2, 3]))))
            tag_rows.extend({"tenant_id": gen.tenant_id, "id": new_id(), "customer_id": cid, "tag": t} for t in tags)
            created = now - timedelta(days=rng.uniform(0, 730))
            yield {
                "tenant_id": gen.tenant_id, "id": cid, "node_id": store_id, "external_ref": ref,
                "name": name, "email": email, "phone": phone, "locale": locale, "tags": tags,
                "attributes": {}, "search_text": f"{name} {email} {phone} {ref}".lower(),
                "created_at": created, "updated_at": created, **keys_of(name, email, phone),
            }

    await _insert(db, gen.tenant_id, Customer, rows(), scale.customers, progress, "customers")
    tag_model = next((m.class_ for m in Base.registry.mappers if m.class_.__name__ == "CustomerTag"), None)
    if tag_model is not None:
        await _insert(db, gen.tenant_id, tag_model, iter(tag_rows), len(tag_rows), progress, "customer tags")


def _steps() -> list[Callable[..., Any]]:
    from bench import generate_domains

    return [_staff, _customers, generate_domains.memberships, generate_domains.orders]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", choices=list(SCALES), default="S")
    parser.add_argument("--db", default="sqlite+aiosqlite:///./bench.db", help="database URL")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--reuse", action="store_true", help="write into --db even though it holds Canopy tables")
    args = parser.parse_args()

    async def run() -> None:
        await guard.refuse_canopy_tables(args.db, reuse=args.reuse)
        db = Database(args.db)
        start = time.perf_counter()
        gen = await generate(db, SCALES[args.scale], seed=args.seed)
        await db.dispose()
        console.print(f"scale {args.scale}: {len(gen.stores)} stores, {len(gen.customers)} customers "
                      f"in {time.perf_counter() - start:.1f}s")

    asyncio.run(run())


if __name__ == "__main__":
    main()

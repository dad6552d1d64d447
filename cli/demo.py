"""`canopy demo`: a demo tenant with a realistic tree and data for every domain."""

from __future__ import annotations

import argparse
import importlib
import random
import secrets
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from sqlalchemy import select, update

from config import Settings
from db.base import new_id
from db.migrate import migrate
from db.models.core import Staff, Tenant
from db.models.tree import TierNode, path_segment
from db.session import Database
from resolvers.core.auth import hash_password
from resolvers.core.tenants import create_admin, get_or_create_tenant

DEMO_SLUG = "demo"
DEMO_EMAIL = "admin@demo.canopy.example"

# (region code, name, currency, locale, timezone, countries: (code, name, currency, locale, tz, stores))
TREE = [
    ("EU", "Europe", "EUR", "en-GB", "Europe/Berlin", [
        ("EU-DE", "Germany", "EUR", "de-DE", "Europe/Berlin", ["Berlin Mitte", "Hamburg", "Munich", "Cologne", "Frankfurt"]),
        ("EU-FR", "France", "EUR", "fr-FR", "Europe/Paris", ["Paris Rivoli", "Lyon", "Marseille", "Lille"]),
        ("EU-GB", "United Kingdom", "GBP", "en-GB", "Europe/London", ["London Oxford St", "Manchester", "Edinburgh", "Bristol"]),
    ]),
    ("APAC", "Asia-Pacific", "USD", "en-SG", "Asia/Singapore", [
        ("APAC-CN", "China", "CNY", "zh-CN", "Asia/Shanghai", ["Shanghai Nanjing Rd", "Beijing Sanlitun", "Shenzhen", "Chengdu"]),
        ("APAC-JP", "Japan", "JPY", "ja-JP", "Asia/Tokyo", ["Tokyo Ginza", "Osaka Umeda", "Kyoto"]),
        ("APAC-AU", "Australia", "AUD", "en-AU", "Australia/Sydney", ["Sydney", "Melbourne", "Brisbane"]),
    ]),
    ("AM", "Americas", "USD", "en-US", "America/New_York", [
        ("AM-US", "United States", "USD", "en-US", "America/New_York", ["New York 5th Ave", "Chicago", "San Francisco", "Austin"]),
        ("AM-BR", "Brazil", "BRL", "pt-BR", "America/Sao_Paulo", ["São Paulo", "Rio de Janeiro", "Belo Horizonte"]),
    ]),
]

# Domain modules with `async def seed(session, tenant, stores, rng)`, run in this order.
SEEDERS: list[str] = ["cli.demo_customers", "cli.demo_membership", "cli.seed_orders", "cli.demo_pipeline"]


def register(sub: Any) -> None:
    from cli.main import run_async

    p = sub.add_parser("demo", help="create a demo tenant with a realistic tree and data")
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--no-encryption", action="store_true",
                   help="store contact data in the clear (default: generate a keyring, see docs/encryption.md)")
    p.set_defaults(func=run_async(demo, creates_database=True))


def _node(tenant_id: int, parent: TierNode | None, code: str, name: str, kind: str, **settings: Any) -> TierNode:
    node_id = new_id()
    path = (parent.path if parent else "/") + path_segment(node_id) + "/"
    return TierNode(
        tenant_id=tenant_id, id=node_id, parent_id=parent.id if parent else None, code=code,
        name=name, kind=kind, path=path, depth=parent.depth + 1 if parent else 0, **settings,
    )


def _keyring(args: argparse.Namespace, settings: Settings) -> str | None:
    """The demo encrypts at rest: a new keyring at CANOPY_DATA_KEYS, else beside a SQLite file."""
    from pathlib import Path

    from sqlalchemy.engine import make_url

    from db import crypto

    if args.no_encryption:
        return None
    path = settings.keyring_path
    if path is None:
        url = make_url(settings.database_url)
        if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
            return None  # PostgreSQL: only with CANOPY_DATA_KEYS, which the server must also see
        path = f"{url.database}.keys"
    if not Path(path).exists():
        crypto.Keyring.generate(Path(path))
    crypto.configure(path)
    return path


async def demo(args: argparse.Namespace, settings: Settings) -> None:
    keys = _keyring(args, settings)
    db = Database(settings.database_url)
    password = secrets.token_urlsafe(9)
    try:
        await migrate(db)
        async with db.transaction(all_tenants=True) as session:
            existing = await session.scalar(select(Tenant).where(Tenant.slug == DEMO_SLUG))
            if existing is not None:
                await session.execute(
                    update(Staff).where(Staff.tenant_id == existing.id, Staff.email == DEMO_EMAIL)
                    .values(password_hash=hash_password(password))
                )
                print("The demo tenant exists already; its admin password was reset.")
                _print_credentials(password, settings)
                return
            tenant, root = await get_or_create_tenant(
                session, slug=DEMO_SLUG, name="Canopy Demo Retail", reporting_currency="EUR",
                root_code="HQ", root_name="Canopy Demo Retail HQ", currency="EUR",
                locale="en-GB", timezone="Europe/Berlin",
            )
            await create_admin(session, tenant=tenant, root=root, email=DEMO_EMAIL, password=password)
        with _phases(len(SEEDERS) + 1) as phase:
            with phase("tree"):
                stores = await _build_tree(db, tenant.id, root)
            rng = random.Random(args.seed)
            for name in SEEDERS:
                with phase(name.removeprefix("cli.").removeprefix("demo_").removeprefix("seed_")):
                    async with db.transaction(tenant_id=tenant.id) as session:
                        await importlib.import_module(name).seed(session, tenant, stores, rng)
    finally:
        await db.dispose()
    print(f"Created demo tenant '{DEMO_SLUG}': 1 headquarters, {len(TREE)} regions, "
          f"{sum(len(r[5]) for r in TREE)} countries, {len(stores)} stores.")
    _print_credentials(password, settings)
    if keys:
        print(f"Data keys: {keys} (customers' email, phone and attributes, interactions and tickets are encrypted with it; "
              "in production keep the keyring apart from the database: docs/encryption.md)")


@contextmanager
def _phases(total: int) -> Iterator[Callable[[str], AbstractContextManager[None]]]:
    """A rich progress bar on stderr over the demo's phases, and one line per finished phase."""
    console = Console(stderr=True)
    with Progress(TextColumn("demo: {task.description}"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), console=console) as progress:
        task = progress.add_task("starting", total=total)

        @contextmanager
        def phase(label: str) -> Iterator[None]:
            progress.update(task, description=label)
            started = time.perf_counter()
            yield
            progress.console.print(f"demo: {label} done in {time.perf_counter() - started:.1f} s")
            progress.advance(task)

        yield phase


async def _build_tree(db: Database, tenant_id: int, root: TierNode) -> list[TierNode]:
    stores: list[TierNode] = []
    async with db.transaction(tenant_id=tenant_id) as session:
        for rcode, rname, rcur, rloc, rtz, countries in TREE:
            region = _node(tenant_id, root, rcode, rname, "region", currency=rcur, locale=rloc, timezone=rtz)
            session.add(region)
            for ccode, cname, ccur, cloc, ctz, store_names in countries:
                country = _node(tenant_id, region, ccode, cname, "country", currency=ccur, locale=cloc, timezone=ctz)
                session.add(country)
                for i, sname in enumerate(store_names, start=1):
                    store = _node(tenant_id, country, f"{ccode}-{i:02d}", sname, "store")
                    session.add(store)
                    stores.append(store)
    return stores


def _print_credentials(password: str, settings: Settings) -> None:
    print(f"Database: {settings.database_url}")
    print(f"Admin email:    {DEMO_EMAIL}")
    print(f"Admin password: {password}")
    print("Start the server with `canopy serve`, open http://127.0.0.1:8000/graphql and run:")
    print(f'  mutation {{ login(input: {{email: "{DEMO_EMAIL}", password: "{password}"}}) {{ token }} }}')

"""Median login time for an unknown email, a known one and one known in several tenants.

    python -m bench.login_timing [--runs 30]

Each attempt is a wrong password through the GraphQL API on a fresh SQLite file; the
throttle is widened so no lock ends the run. The three medians should be equal
within noise (one argon2 verify each, docs/security.md "Login").
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from datetime import timedelta
from pathlib import Path

import httpx
from sqlalchemy import update

from config import Settings
from db.base import Base
from db.models.core import Staff
from db.session import Database
from resolvers.core import throttle
from resolvers.core.tenants import create_admin, get_or_create_tenant
from server import create_app

LOGIN = 'mutation($e: String!) { login(input: {email: $e, password: "not-the-password"}) { errors { code } } }'
PASSWORD = "correct horse battery staple"


async def main(runs: int) -> None:
    wide = throttle.Limit(10**9, timedelta(minutes=1), timedelta(seconds=1))
    throttle.ACCOUNT = throttle.ADDRESS = wide
    path = Path(tempfile.mkdtemp()) / "login.db"
    db = Database(f"sqlite+aiosqlite:///{path}")
    async with db.engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
    for slug in ("one", "two", "three"):
        async with db.transaction(all_tenants=True) as session:
            tenant, root = await get_or_create_tenant(session, slug=slug)
            await create_admin(session, tenant=tenant, root=root, email=f"admin@{slug}.example", password=PASSWORD)
    async with db.transaction(all_tenants=True) as session:  # the same email in two more tenants
        await session.execute(update(Staff).where(Staff.email.in_(["admin@two.example", "admin@three.example"]))
                              .values(email="shared@bench.example"))
    app = create_app(Settings(database_url=db.url), db=db, migrate_on_start=False)
    emails = {"unknown": "nobody@bench.example", "known": "admin@one.example",
              "multi-tenant": "shared@bench.example"}
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench") as client:
        times: dict[str, list[float]] = {name: [] for name in emails}
        for _ in range(runs):
            for name, email in emails.items():  # interleaved, so drift hits all three alike
                start = time.perf_counter()
                resp = await client.post("/graphql", json={"query": LOGIN, "variables": {"e": email}})
                times[name].append(time.perf_counter() - start)
                assert resp.json()["data"]["login"]["errors"][0]["code"] == "INVALID", resp.text
    print(f"{'email':<14}{'median ms':>10}")
    for name, values in times.items():
        print(f"{name:<14}{statistics.median(values) * 1000:>10.1f}")
    await db.dispose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    asyncio.run(main(parser.parse_args().runs))

"""`canopy rates import FILE.csv`: exchange rates into the reporting currency, upserted."""

from __future__ import annotations

import argparse
import csv
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import select

from config import Settings
from db.migrate import migrate
from db.models.core import Tenant
from db.session import Database
from resolvers.common.errors import DomainError
from resolvers.common.rates import parse_rate, upsert_rates

HEADER = ["currency", "date", "rate"]
MAX_REPORTED = 20


def register(sub: Any) -> None:
    from cli.main import run_async, tenant_option

    rates = sub.add_parser("rates", help="exchange rates").add_subparsers(dest="action", required=True)
    p = rates.add_parser("import", help="upsert rates from a CSV with the header currency,date,rate "
                                        "(1 unit of currency = rate units of the reporting currency)")
    p.add_argument("file", type=Path)
    tenant_option(p)
    p.set_defaults(func=run_async(import_cmd))


async def import_cmd(args: argparse.Namespace, settings: Settings) -> None:
    db = Database(settings.database_url)
    try:
        await migrate(db)
        slug, count = await import_rates(db, path=args.file, tenant_slug=args.tenant)
    finally:
        await db.dispose()
    print(f"imported {count} exchange rates into tenant {slug}")


def read_rates(path: Path, reporting: str) -> list[tuple[str, date, Decimal]]:
    """Every row validated; all problems reported at once, each with its line number."""
    from cli.main import UserFacingError

    try:
        with path.open(newline="", encoding="utf-8-sig") as fh:
            reader = csv.reader(fh)
            header = [h.strip().lower() for h in next(reader, [])]
            if header != HEADER:
                raise UserFacingError(f"{path}: line 1: the header must be {','.join(HEADER)}")
            rows: list[tuple[str, date, Decimal]] = []
            problems: list[str] = []
            seen: dict[tuple[str, date], int] = {}
            for record in reader:
                line = reader.line_num
                if not any(cell.strip() for cell in record):
                    continue
                if len(record) != len(HEADER):
                    problems.append(f"line {line}: expected 3 fields, found {len(record)}")
                    continue
                try:
                    row = parse_rate(*record, reporting=reporting)
                except DomainError as exc:
                    problems.append(f"line {line}: {exc}")
                    continue
                if (row[0], row[1]) in seen:
                    problems.append(f"line {line}: {row[0]} {row[1]} repeats line {seen[row[0], row[1]]}")
                    continue
                seen[row[0], row[1]] = line
                rows.append(row)
    except (OSError, UnicodeDecodeError) as exc:
        raise UserFacingError(f"cannot read {path}: {exc}") from exc
    if problems:
        more = f" (and {len(problems) - MAX_REPORTED} more)" if len(problems) > MAX_REPORTED else ""
        raise UserFacingError(f"{path}: nothing imported: " + "; ".join(problems[:MAX_REPORTED]) + more)
    return rows


async def import_rates(db: Database, *, path: Path, tenant_slug: str | None) -> tuple[str, int]:
    """Validate the whole file, then upsert it in one transaction; returns (tenant slug, rows)."""
    from cli.main import GIVE_TENANT, MissingData, UserFacingError

    async with db.session(all_tenants=True) as session:
        stmt = select(Tenant)
        if tenant_slug:
            stmt = stmt.where(Tenant.slug == tenant_slug)
        tenants = (await session.scalars(stmt.limit(2))).all()
    if not tenants:
        raise MissingData(f"no tenant {tenant_slug}" if tenant_slug else "no tenant exists yet")
    if len(tenants) > 1:
        raise UserFacingError(f"there are several tenants: {GIVE_TENANT}")
    tenant = tenants[0]
    rows = read_rates(path, tenant.reporting_currency)
    async with db.transaction(tenant_id=tenant.id) as session:
        count = await upsert_rates(session, rows)
    return tenant.slug, count

"""`canopy events prune`: drop events past the retention (CANOPY_EVENT_RETENTION_DAYS)."""

from __future__ import annotations

import argparse
from typing import Any

from config import Settings
from db.session import Database


def register(sub: Any) -> None:
    from cli.main import run_async

    events = sub.add_parser("events", help="the integrator event log").add_subparsers(
        dest="action", required=True
    )
    p = events.add_parser("prune", help="delete events older than the retention, in every tenant")
    p.add_argument("--days", type=int, help="retention in days (default: CANOPY_EVENT_RETENTION_DAYS, 30)")
    p.set_defaults(func=run_async(prune_cmd))


async def prune_cmd(args: argparse.Namespace, settings: Settings) -> None:
    from cli.main import UserFacingError
    from resolvers.common.errors import DomainError
    from resolvers.events.log import prune

    days = settings.event_retention_days if args.days is None else args.days
    db = Database(settings.database_url)
    try:
        async with db.transaction(all_tenants=True) as session:
            deleted = await prune(session, retention_days=days)
    except DomainError as exc:
        raise UserFacingError(str(exc)) from exc
    finally:
        await db.dispose()
    print(f"pruned {deleted} events older than {days} days")

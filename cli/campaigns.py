"""`canopy campaigns worker`: run launched campaigns without serving the API (alongside or instead of `serve`)."""

from __future__ import annotations

import argparse
import asyncio
from typing import Any

from config import Settings
from db.session import Database


def register(sub: Any) -> None:
    from cli.main import run_async

    campaigns = sub.add_parser("campaigns", help="marketing campaigns").add_subparsers(dest="action", required=True)
    p = campaigns.add_parser("worker", help="issue coupons and send emails of launched campaigns until interrupted")
    p.add_argument("--once", action="store_true", help="work until nothing is due, then exit")
    p.add_argument("--poll", type=float, default=1.0, help="seconds between passes (default 1)")
    p.set_defaults(func=run_async(worker_cmd))


async def worker_cmd(args: argparse.Namespace, settings: Settings) -> None:
    from resolvers.marketing.worker import CampaignWorker

    db = Database(settings.database_url)
    worker = CampaignWorker(db, settings, poll_seconds=args.poll)
    try:
        if args.once:
            handled = await worker.run_once()
            print(f"{handled} recipients handled")
        else:
            worker.start()
            await asyncio.Event().wait()  # until Ctrl-C / SIGTERM cancels the run
    finally:
        await worker.stop()
        await db.dispose()

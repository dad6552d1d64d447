"""`canopy webhooks worker`: deliver webhooks without serving the API (alongside or instead of `serve`)."""

from __future__ import annotations

import argparse
import asyncio
from typing import Any

from config import Settings
from db.session import Database


def register(sub: Any) -> None:
    from cli.main import run_async

    hooks = sub.add_parser("webhooks", help="integrators' HTTP callbacks").add_subparsers(
        dest="action", required=True
    )
    p = hooks.add_parser("worker", help="deliver due webhook events until interrupted")
    p.add_argument("--once", action="store_true", help="one pass over the due webhooks, then exit")
    p.add_argument("--poll", type=float, default=1.0, help="seconds between passes (default 1)")
    p.set_defaults(func=run_async(worker_cmd))


async def worker_cmd(args: argparse.Namespace, settings: Settings) -> None:
    from resolvers.webhooks.worker import WebhookWorker
    from schema.webhooks.delivery import render

    db = Database(settings.database_url)
    worker = WebhookWorker(db, render=render, production=settings.production, poll_seconds=args.poll)
    try:
        if args.once:
            await worker.run_once()
        else:
            worker.start()
            await asyncio.Event().wait()  # until Ctrl-C / SIGTERM cancels the run
    finally:
        await worker.stop()
        await db.dispose()

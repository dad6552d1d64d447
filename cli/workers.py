"""`canopy <area> worker [--once] [--poll S]`: a background worker run without serving the API."""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from config import Settings
from db.session import Database
from resolvers.common.polling import PollingWorker

Make = Callable[[Database, Settings, float], PollingWorker]
Once = Callable[[PollingWorker], Awaitable[None]]


def add_worker_command(group: Any, *, help: str, once_help: str, make: Make, once: Once) -> None:
    from cli.main import run_async

    p = group.add_parser("worker", help=help)
    p.add_argument("--once", action="store_true", help=once_help)
    p.add_argument("--poll", type=float, default=1.0, help="seconds between passes (default 1)")

    async def worker_cmd(args: argparse.Namespace, settings: Settings) -> None:
        db = Database(settings.database_url)
        worker = make(db, settings, args.poll)
        try:
            if args.once:
                await once(worker)
            else:
                worker.start()
                await asyncio.Event().wait()  # until Ctrl-C / SIGTERM cancels the run
        finally:
            await worker.stop()
            await db.dispose()

    p.set_defaults(func=run_async(worker_cmd))

"""`canopy webhooks worker`: deliver webhooks without serving the API (alongside or instead of `serve`)."""

from __future__ import annotations

from typing import Any

from cli.workers import add_worker_command


def _make(db: Any, settings: Any, poll: float) -> Any:
    from resolvers.webhooks.worker import WebhookWorker  # imported only when the command runs
    from schema.webhooks.delivery import render

    return WebhookWorker(db, render=render, production=settings.production, poll_seconds=poll)


def register(sub: Any) -> None:
    async def once(worker: Any) -> None:
        await worker.run_once()

    hooks = sub.add_parser("webhooks", help="integrators' HTTP callbacks").add_subparsers(
        dest="action", required=True
    )
    add_worker_command(
        hooks, help="deliver due webhook events until interrupted",
        once_help="one pass over the due webhooks, then exit", once=once, make=_make,
    )

"""`canopy campaigns worker`: run launched campaigns without serving the API (alongside or instead of `serve`)."""

from __future__ import annotations

from typing import Any

from cli.workers import add_worker_command


def _make(db: Any, settings: Any, poll: float) -> Any:
    from resolvers.marketing.worker import CampaignWorker  # imported only when the command runs

    return CampaignWorker(db, settings, poll_seconds=poll)


def register(sub: Any) -> None:
    async def once(worker: Any) -> None:
        print(f"{await worker.run_once()} recipients handled")

    campaigns = sub.add_parser("campaigns", help="marketing campaigns").add_subparsers(dest="action", required=True)
    add_worker_command(
        campaigns, help="issue coupons and send emails of launched campaigns until interrupted",
        once_help="work until nothing is due, then exit", once=once, make=_make,
    )

"""`canopy staff list|update|deactivate|reactivate|reset-password`: staff management for operators.

The command line acts as the tenant's system administrator (an ADMIN over the whole tree,
no staff member behind it: audit rows name no actor), like `canopy import`; the services
are the API's, so every rule but the caller's own rank applies (the last root ADMIN is
kept, inputs are checked the same way). With CANOPY_REDIS_URL set, a deactivation closes
the staff member's open websockets in every server process at once; without it, at their
next token re-check.
"""

from __future__ import annotations

import argparse
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy import select

from config import Settings
from db.models.core import Role, Staff
from db.models.tree import TierNode
from db.session import Database
from db.uow import unit_of_work
from resolvers.common.viewer import Viewer

ROLES = [r.value for r in Role]


def register(sub: Any) -> None:
    from cli.main import run_async, tenant_option

    staff = sub.add_parser("staff", help="list and manage staff members").add_subparsers(
        dest="action", required=True
    )
    p = staff.add_parser("list", help="staff members, one per line (tab-separated)")
    p.add_argument("--role", choices=ROLES)
    p.add_argument("--node", metavar="CODE", help="only staff scoped in this node's subtree")
    active = p.add_mutually_exclusive_group()
    active.add_argument("--active", dest="active", action="store_const", const=True, default=None)
    active.add_argument("--inactive", dest="active", action="store_const", const=False)
    p.add_argument("--search", help="words found in the name or email")
    tenant_option(p)
    p.set_defaults(func=run_async(list_cmd))

    p = staff.add_parser("update", help="change name, locale, time zone, role or scope")
    _target(p, tenant_option)
    p.add_argument("--name")
    p.add_argument("--locale", help="BCP 47 tag, e.g. de-AT")
    zone = p.add_mutually_exclusive_group()
    zone.add_argument("--time-zone", dest="time_zone", help="IANA name, e.g. Europe/Vienna")
    zone.add_argument("--clear-time-zone", action="store_true", help="use the scope node's time zone")
    p.add_argument("--role", choices=ROLES)
    p.add_argument("--node", metavar="CODE", help="the new scope node")
    p.set_defaults(func=run_async(update_cmd))

    for name, help_text, fn in (
        ("deactivate", "end all their access at once (tokens, chats, open sockets)", deactivate_cmd),
        ("reactivate", "let them log in again (old tokens stay revoked)", reactivate_cmd),
    ):
        p = staff.add_parser(name, help=help_text)
        _target(p, tenant_option)
        p.set_defaults(func=run_async(fn))

    p = staff.add_parser("reset-password", help="print a generated password (shown once); their sessions end")
    _target(p, tenant_option)
    p.add_argument("--keep-api-tokens", action="store_true", help="leave their API tokens working")
    p.set_defaults(func=run_async(reset_cmd))


def _target(p: argparse.ArgumentParser, tenant_option: Callable[..., None]) -> None:
    p.add_argument("--email", required=True, help="the staff member's email")
    tenant_option(p)


def _line(staff: Staff, code: str) -> str:
    last = staff.last_login_at.isoformat(timespec="seconds") if staff.last_login_at else "-"
    state = "active" if staff.active else "inactive"
    return "\t".join([staff.email, staff.name, Role(staff.role).value, code, state, last])


async def _node_id(session: Any, code: str) -> int:
    from cli.main import MissingData

    node_id = await session.scalar(select(TierNode.id).where(TierNode.code == code))
    if node_id is None:
        raise MissingData(f"no node with code {code!r}")
    return int(node_id)


async def _staff_id(session: Any, email: str) -> int:
    from cli.main import MissingData

    staff_id = await session.scalar(select(Staff.id).where(Staff.email == email.strip().lower()))
    if staff_id is None:
        raise MissingData(f"no staff member with email {email}")
    return int(staff_id)


async def _run(settings: Settings, args: argparse.Namespace, operation: str,
               work: Callable[[Any, Viewer], Awaitable[Any]]) -> Any:
    """`work(session, viewer)` in one unit of work as the system administrator; revocations
    are announced through Redis before the command ends."""
    from resolvers.bulk.importer import system_viewer
    from resolvers.events.broker import Broker

    db = Database(settings.database_url)
    broker = Broker(db, settings) if settings.redis_url else None
    try:
        viewer = await system_viewer(db, args.tenant)
        async with db.session(tenant_id=viewer.tenant_id) as session:
            session.info["broker"] = broker
            async with unit_of_work(session, operation=operation):
                result = await work(session, viewer)
        if broker is not None:
            await broker.drain()
        return result
    finally:
        if broker is not None:
            await broker.close()
        await db.dispose()


async def list_cmd(args: argparse.Namespace, settings: Settings) -> None:
    from cli.main import MissingData
    from resolvers.bulk.importer import system_viewer
    from resolvers.core.staff import StaffFilterValues, staff_query

    db = Database(settings.database_url)
    try:
        viewer = await system_viewer(db, args.tenant)
        async with db.session(tenant_id=viewer.tenant_id) as session:
            path = None
            if args.node:
                path = await session.scalar(select(TierNode.path).where(TierNode.code == args.node))
                if path is None:
                    raise MissingData(f"no node with code {args.node!r}")
            values = StaffFilterValues(role=Role(args.role) if args.role else None, node_path=path,
                                       active=args.active, search=args.search)
            stmt = staff_query(viewer, values).add_columns(TierNode.code).join(
                TierNode, TierNode.id == Staff.scope_node_id).order_by(Staff.name, Staff.id)
            rows = (await session.execute(stmt)).all()
    finally:
        await db.dispose()
    for staff, code in rows:
        print(_line(staff, code))


async def update_cmd(args: argparse.Namespace, settings: Settings) -> None:
    from cli.main import UserFacingError
    from resolvers.core.staff import update_staff

    changes: dict[str, Any] = {k: getattr(args, k) for k in ("name", "locale", "time_zone") if getattr(args, k)}
    if args.clear_time_zone:
        changes["time_zone"] = None
    if args.role:
        changes["role"] = Role(args.role)
    if not changes and not args.node:
        raise UserFacingError("nothing to change: give --name, --locale, --time-zone, --role or --node")

    async def work(session: Any, viewer: Viewer) -> str:
        if args.node:
            changes["scope_node_id"] = await _node_id(session, args.node)
        staff = await update_staff(session, viewer, await _staff_id(session, args.email), changes)
        code = await session.scalar(select(TierNode.code).where(TierNode.id == staff.scope_node_id))
        return _line(staff, code)

    print(await _run(settings, args, "updateStaff", work))


async def deactivate_cmd(args: argparse.Namespace, settings: Settings) -> None:
    from resolvers.core.staff import deactivate_staff

    async def work(session: Any, viewer: Viewer) -> Any:
        return await deactivate_staff(session, viewer, await _staff_id(session, args.email))

    staff = await _run(settings, args, "deactivateStaff", work)
    print(f"deactivated {staff.email}: every token revoked, every chat unlinked")


async def reactivate_cmd(args: argparse.Namespace, settings: Settings) -> None:
    from resolvers.core.staff import reactivate_staff

    async def work(session: Any, viewer: Viewer) -> Any:
        return await reactivate_staff(session, viewer, await _staff_id(session, args.email))

    staff = await _run(settings, args, "reactivateStaff", work)
    print(f"reactivated {staff.email}: they log in again with their password")


async def reset_cmd(args: argparse.Namespace, settings: Settings) -> None:
    from resolvers.core.staff import reset_staff_password

    async def work(session: Any, viewer: Viewer) -> Any:
        return await reset_staff_password(session, viewer, await _staff_id(session, args.email),
                                          revoke_api_tokens=not args.keep_api_tokens)

    _, password = await _run(settings, args, "resetStaffPassword", work)
    print(password)

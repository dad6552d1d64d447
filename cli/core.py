"""serve, migrate, admin create, token create, schema."""

from __future__ import annotations

import argparse
import logging
from typing import Any

from sqlalchemy import text

from config import Settings
from db.migrate import migrate
from db.session import Database


def register(sub: Any) -> None:
    from cli.main import run_async, tenant_option

    p = sub.add_parser("serve", help="migrate if needed, then serve /graphql and /healthz")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--workers", type=int, default=1)
    p.add_argument("--log-level", choices=["debug", "info", "warning"], default="info",
                   help="Canopy's and uvicorn's log level (debug adds e.g. each reminder claimed without a chat bot)")
    p.set_defaults(func=serve)

    p = sub.add_parser("migrate", help="apply database migrations")
    p.set_defaults(func=run_async(migrate_cmd, creates_database=True))

    admin = sub.add_parser("admin", help="manage administrators").add_subparsers(dest="action", required=True)
    p = admin.add_parser("create", help="create an ADMIN (and the tenant if new)")
    tenant_option(p, required=True, help="tenant slug (default: CANOPY_TENANT)")
    p.add_argument("--email", required=True)
    p.add_argument("--password", required=True)
    p.add_argument("--name", default="Administrator")
    p.add_argument("--reporting-currency", default="EUR")
    p.set_defaults(func=run_async(admin_create))

    token = sub.add_parser("token", help="API tokens").add_subparsers(dest="action", required=True)
    p = token.add_parser("create", help="print a new API token for a staff member")
    p.add_argument("--email", required=True)
    p.add_argument("--name", default="cli")
    tenant_option(p, help="tenant slug, when the email exists in several tenants (default: CANOPY_TENANT)")
    p.set_defaults(func=run_async(token_create))

    stats = sub.add_parser("stats", help="the per-node counters and per-customer order rollup").add_subparsers(dest="action", required=True)
    p = stats.add_parser("rebuild", help="recompute them from the rows and print the nodes/customers that differed")
    tenant_option(p, help="tenant slug (default: CANOPY_TENANT, else every tenant)")
    p.add_argument("--check", action="store_true",
                   help="only compare: print the nodes/customers that differ, exit 1 if any, write nothing")
    p.set_defaults(func=run_async(stats_rebuild))

    p = sub.add_parser("schema", help="print the GraphQL SDL")
    p.set_defaults(func=print_schema)


def _check_port(host: str, port: int) -> None:
    """Fail in one line before uvicorn logs "startup complete" on a port it cannot bind."""
    import socket

    from cli.main import UserFacingError

    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds
        try:
            sock.bind((host, port))
        except OSError as exc:
            raise UserFacingError(f"cannot listen on {host}:{port}: {exc.strerror}") from exc


def _check_keyring() -> None:
    """A missing or malformed keyring is one line before uvicorn starts, not a traceback in it."""
    from cli.main import UserFacingError
    from db import crypto

    try:
        crypto.configure(Settings.from_env().keyring_path)
    except crypto.KeyringError as exc:
        raise UserFacingError(str(exc)) from exc


def serve(args: argparse.Namespace) -> None:
    import uvicorn

    from logs import configure_logging

    _check_port(args.host, args.port)
    _check_keyring()
    configure_logging(getattr(logging, args.log_level.upper()))
    uvicorn.run(
        "server:create_app", factory=True, host=args.host, port=args.port, workers=args.workers,
        # Canopy's JSON request log is the one line per request (no query strings);
        # X-Forwarded-For is read by the app, only from CANOPY_TRUSTED_PROXIES.
        log_level=args.log_level, access_log=False, proxy_headers=False,
        # Event messages are a few hundred bytes: per-message deflate would cost a zlib
        # context per socket and a compression per socket per event for little gain.
        ws_per_message_deflate=False,
    )


async def migrate_cmd(_args: argparse.Namespace, settings: Settings) -> None:
    db = Database(settings.database_url)
    try:
        await migrate(db)
    finally:
        await db.dispose()
    print(f"migrated {settings.database_url}")


async def stats_rebuild(args: argparse.Namespace, settings: Settings) -> int:
    """Repair for counters written around the triggers (e.g. by hand with triggers disabled)."""
    from sqlalchemy import select

    from cli.main import MissingData
    from db import customer_stats, node_stats
    from db.models.core import Tenant

    db = Database(settings.database_url)
    try:
        async with db.transaction(all_tenants=True) as session:
            tenant_id = None
            if args.tenant:
                tenant_id = await session.scalar(select(Tenant.id).where(Tenant.slug == args.tenant))
                if tenant_id is None:
                    raise MissingData(f"no tenant {args.tenant!r}")
            before, after, differed = await node_stats.differences(session, tenant_id)
            c_before, c_after, c_differed = await customer_stats.differences(session, tenant_id)
            if not args.check:
                for statement in node_stats.rebuild_sql(tenant_id) + customer_stats.rebuild_sql(tenant_id):
                    await session.execute(text(statement))
    finally:
        await db.dispose()
    zero = (0,) * len(node_stats.COLUMNS)
    if args.check:
        print(f"checked the counters of {len(after)} nodes; {len(differed)} differed from the rows")
    else:
        print(f"rebuilt the counters of {len(after)} nodes; {len(differed)} differed")
    for tenant, node in differed:
        print(f"  tenant {tenant} node {node}: {before.get((tenant, node), zero)} -> {after.get((tenant, node), zero)}")
    done = "checked" if args.check else "rebuilt"
    print(f"{done} the order rollup of {len(c_after)} customers; {len(c_differed)} differed from the orders")
    for tenant, customer in c_differed:
        print(f"  tenant {tenant} customer {customer}: {c_before.get((tenant, customer))} -> "
              f"{c_after.get((tenant, customer))}")
    return 1 if args.check and (differed or c_differed) else 0


async def admin_create(args: argparse.Namespace, settings: Settings) -> None:
    from resolvers.core.tenants import create_admin, get_or_create_tenant

    db = Database(settings.database_url)
    try:
        await migrate(db)
        async with db.transaction(all_tenants=True) as session:
            tenant, root = await get_or_create_tenant(
                session, slug=args.tenant, reporting_currency=args.reporting_currency
            )
            staff = await create_admin(
                session, tenant=tenant, root=root, email=args.email, password=args.password,
                name=args.name,
            )
    finally:
        await db.dispose()
    print(f"created admin {staff.email} in tenant {args.tenant}")


async def token_create(args: argparse.Namespace, settings: Settings) -> None:
    from sqlalchemy import select

    from cli.main import GIVE_TENANT, MissingData, UserFacingError
    from db.models.core import Staff, Tenant
    from resolvers.core.auth import issue_token

    db = Database(settings.database_url)
    try:
        await migrate(db)
        async with db.transaction(all_tenants=True) as session:
            stmt = select(Staff).join(Tenant, Tenant.id == Staff.tenant_id).where(
                Staff.email == args.email.strip().lower()
            )
            if args.tenant:
                stmt = stmt.where(Tenant.slug == args.tenant)
            staff = (await session.scalars(stmt)).all()
            if not staff:
                raise MissingData(f"no staff member with email {args.email}")
            if len(staff) > 1:
                raise UserFacingError(f"this email exists in several tenants: {GIVE_TENANT}")
            secret, _ = await issue_token(session, staff[0], name=args.name)
    finally:
        await db.dispose()
    print(secret)


def print_schema(_args: argparse.Namespace) -> None:
    from schema import build_schema

    print(build_schema().as_str())

"""Engine and session factory for SQLite (embedded default) and PostgreSQL."""

from __future__ import annotations

import contextvars
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import Session

from db import sqlite_driver

sqlite_driver.install()  # before any engine: sqlite+aiosqlite with one thread hop per statement

# Counts SQL statements per request (CANOPY_DEBUG and the N+1 tests read it).
statement_counter: contextvars.ContextVar[list[int] | None] = contextvars.ContextVar(
    "statement_counter", default=None
)

WRITE = "canopy_write"

# The session type services and loaders take; schema/ names it from here so that the
# GraphQL layer imports no SQLAlchemy.
DbSession = AsyncSession


class CanopySession(Session):
    """Sync half of every AsyncSession; db/tenancy.py and db/audit.py hook into it."""


def _on_sqlite_connect(dbapi_conn: Any, _record: Any) -> None:
    # Take transaction control from the driver so that writers can BEGIN IMMEDIATE.
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA busy_timeout=30000")
    # Freed cells are zeroed: a value replaced (sealed by `keys rotate`) or deleted (an erasure)
    # must not linger in the file's free space.
    cur.execute("PRAGMA secure_delete=ON")
    cur.close()


def _on_sqlite_begin(conn: Any) -> None:
    # A write transaction takes the lock up front: two deferred writers that both
    # read first would otherwise deadlock into "database is locked".
    conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get(WRITE) else "BEGIN")


def _count_statement(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
    box = statement_counter.get()
    # Transaction bookkeeping (BEGIN, db/tenancy.py's settings) is not the request's SQL.
    if box is not None and not statement.startswith(("BEGIN", "SELECT set_config('canopy.")):
        box[0] += 1


def create_engine(url: str, **kw: Any) -> AsyncEngine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        kw.setdefault("connect_args", {}).setdefault("timeout", 30)
        engine = create_async_engine(url, **kw)
        event.listen(engine.sync_engine, "connect", _on_sqlite_connect)
        event.listen(engine.sync_engine, "begin", _on_sqlite_begin)
    else:
        kw.setdefault("pool_size", 10)
        kw.setdefault("max_overflow", 20)
        kw.setdefault("pool_pre_ping", True)
        if "search_path" in parsed.query:
            # `?search_path=s1,s2` in CANOPY_DATABASE_URL: asyncpg takes it as a server setting only.
            settings = kw.setdefault("connect_args", {}).setdefault("server_settings", {})
            settings["search_path"] = parsed.query["search_path"]
            url = parsed.difference_update_query(["search_path"]).render_as_string(hide_password=False)
        engine = create_async_engine(url, **kw)
    event.listen(engine.sync_engine, "before_cursor_execute", _count_statement)
    return engine


class Database:
    """One engine and its session factory; owned by the app (server.py lifespan, CLI)."""

    def __init__(self, url: str, **engine_kw: Any) -> None:
        self.url = url
        self.engine = create_engine(url, **engine_kw)
        self.dialect = self.engine.dialect.name
        self.sessionmaker = async_sessionmaker(
            self.engine, expire_on_commit=False, autoflush=True, sync_session_class=CanopySession
        )

    def session(self, *, tenant_id: int | None = None, all_tenants: bool = False) -> AsyncSession:
        s = self.sessionmaker()
        s.info["tenant_id"] = tenant_id
        s.info["all_tenants"] = all_tenants
        return s

    @asynccontextmanager
    async def transaction(
        self, *, tenant_id: int | None = None, all_tenants: bool = False
    ) -> AsyncIterator[AsyncSession]:
        """A write transaction outside any request (CLI, scheduler, tests' setup)."""
        from db.uow import unit_of_work

        async with self.session(tenant_id=tenant_id, all_tenants=all_tenants) as s:
            async with unit_of_work(s, operation="system"):
                yield s

    async def dispose(self) -> None:
        await self.engine.dispose()


# The session hooks must be registered wherever a session exists; db/tenancy.py
# imports this module, so it is imported last.
import db.tenancy  # noqa: E402, F401

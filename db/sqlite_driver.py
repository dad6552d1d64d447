"""SQLite through aiosqlite with one thread hop per statement instead of four.

aiosqlite runs sqlite3 in a thread of its own; SQLAlchemy's adapter awaits it four times per
statement (create the cursor, execute, fetch all rows, close), and each hop costs a queue put,
a thread switch and the event loop's self-pipe wake-up: ~0.1 ms of CPU each, 0.46 ms for
`SELECT 1`, i.e. most of what a small statement costs (docs/performance.md). The cursor below
does all four in one call on aiosqlite's thread and keeps what SQLAlchemy reads afterwards
(description, rowcount, lastrowid, the rows). Everything else is SQLAlchemy's aiosqlite dialect;
`sqlite+aiosqlite://` URLs resolve to this dialect once db.session is imported.
"""

from __future__ import annotations

import collections
from typing import Any

from sqlalchemy.dialects import registry
from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
    AsyncAdapt_aiosqlite_dbapi,
    SQLiteDialect_aiosqlite,
)
from sqlalchemy.util import EMPTY_DICT


class _Ran:
    """What SQLAlchemy reads of a DB-API cursor after executing, kept from the closed sqlite3 one."""

    __slots__ = ("arraysize", "description", "lastrowid", "rowcount")

    def __init__(self, description: Any = None, rowcount: int = -1, lastrowid: Any = None) -> None:
        self.description, self.rowcount, self.lastrowid, self.arraysize = description, rowcount, lastrowid, 1


def _run(conn: Any, operation: str, parameters: Any, many: bool) -> tuple[_Ran, list[Any] | None]:
    """On aiosqlite's thread: the statement from cursor to close."""
    cursor = conn.cursor()
    try:
        if many:
            cursor.executemany(operation, parameters)
        elif parameters is None:
            cursor.execute(operation)
        else:
            cursor.execute(operation, parameters)
        rows = cursor.fetchall() if cursor.description else None
        return _Ran(cursor.description, cursor.rowcount, cursor.lastrowid), rows
    finally:
        cursor.close()


class OneHopCursor(AsyncAdapt_aiosqlite_cursor):
    __slots__ = ()

    def __init__(self, adapt_connection: Any) -> None:
        # No aiosqlite cursor up front (a hop of its own): _run makes and closes one.
        self._adapt_connection = adapt_connection
        self._connection = adapt_connection._connection
        self._cursor = _Ran()  # type: ignore[assignment]
        self._soft_closed_memoized = EMPTY_DICT
        self._rows = collections.deque()

    async def _execute_async(self, operation: Any, parameters: Any) -> Any:
        return await self._hop(operation, parameters, many=False)

    async def _executemany_async(self, operation: Any, seq_of_parameters: Any) -> Any:
        return await self._hop(operation, seq_of_parameters, many=True)

    async def _hop(self, operation: Any, parameters: Any, *, many: bool) -> None:
        connection = self._connection
        async with self._adapt_connection._execute_mutex:
            ran, rows = await connection._execute(_run, connection._conn, operation, parameters, many)
        self._cursor = ran  # type: ignore[assignment]
        if rows is not None:
            self._rows = collections.deque(rows)

    async def _async_soft_close(self) -> None:
        return  # the sqlite3 cursor is closed already

    def close(self) -> None:
        self._rows.clear()


class OneHopConnection(AsyncAdapt_aiosqlite_connection):
    __slots__ = ()
    _cursor_cls = OneHopCursor


class OneHopDBAPI(AsyncAdapt_aiosqlite_dbapi):
    def connect(self, *arg: Any, **kw: Any) -> OneHopConnection:
        adapted = super().connect(*arg, **kw)
        return OneHopConnection(self, adapted._connection)


class OneHopSQLiteDialect(SQLiteDialect_aiosqlite):
    supports_statement_cache = True

    @classmethod
    def import_dbapi(cls) -> OneHopDBAPI:
        return OneHopDBAPI(__import__("aiosqlite"), __import__("sqlite3"))


def install() -> None:
    """`sqlite+aiosqlite` URLs use OneHopSQLiteDialect (where aiosqlite has what it relies on)."""
    import aiosqlite

    if hasattr(aiosqlite.Connection, "_execute") and hasattr(aiosqlite.Connection, "_conn"):
        registry.register("sqlite.aiosqlite", __name__, "OneHopSQLiteDialect")

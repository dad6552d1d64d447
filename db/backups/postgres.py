"""PostgreSQL: `pg_dump --format=custom` at a snapshot whose row counts the manifest records.

The dump and the counts read one exported snapshot (`pg_dump --snapshot`), so the
counts a restore compares with are exactly the rows in the dump, however busy the
server. pg_dump and pg_restore run with `canopy.all_tenants=on` (PGOPTIONS) and
row security enabled, so they work as the app's role behind db/rls.py's policies
as well as the owner's.
"""

from __future__ import annotations

import asyncio
import os
import shutil
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import AsyncConnection

from db.backups.archive import BackupError, Manifest
from db.models.customers import POSTGRES_EXTENSIONS
from db.rls import ALL_TENANTS_SETTING
from db.session import Database


def schema_of(url: str) -> str | None:
    """The first schema of the URL's `search_path`, the one a backup dumps (None: the database)."""
    path = make_url(url).query.get("search_path")
    if isinstance(path, tuple):
        path = path[0]
    first = (path or "").split(",")[0].strip().strip('"')
    return first or None


def _libpq(url: str) -> tuple[str, dict[str, str]]:
    """The libpq URL (password kept out of argv) and the environment for pg_dump/pg_restore."""
    parsed: URL = make_url(url)
    env = dict(os.environ)
    env["PGOPTIONS"] = f"{env.get('PGOPTIONS', '')} -c {ALL_TENANTS_SETTING}=on".strip()
    if parsed.password:
        env["PGPASSWORD"] = str(parsed.password)
    plain = parsed.set(drivername="postgresql", password=None, query={})
    return plain.render_as_string(hide_password=False), env


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(f"{name} is not on PATH: install the PostgreSQL client tools")
    return found


async def _run(argv: list[str], env: dict[str, str]) -> bytes:
    proc = await asyncio.create_subprocess_exec(
        *argv, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await proc.communicate()
    if proc.returncode != 0:
        lines = err.decode(errors="replace").strip().splitlines()
        cause = [line for line in lines if "error:" in line][:1] or lines[-1:] or ["(no message)"]
        raise BackupError(f"{Path(argv[0]).name} failed (exit {proc.returncode}): {cause[0]}")
    return out


async def _schema_name(conn: AsyncConnection, schema: str | None) -> str:
    return schema or str(await conn.scalar(text("SELECT current_schema()")))


async def _tables(conn: AsyncConnection, schema: str) -> list[str]:
    rows = await conn.execute(
        text("SELECT tablename FROM pg_tables WHERE schemaname = :s ORDER BY tablename"), {"s": schema})
    return [r[0] for r in rows]


async def row_counts(conn: AsyncConnection, schema: str) -> dict[str, int]:
    await conn.execute(text(f"SELECT set_config('{ALL_TENANTS_SETTING}', 'on', true)"))
    counts = {}
    for table in await _tables(conn, schema):
        counts[table] = int(await conn.scalar(text(f'SELECT count(*) FROM "{schema}"."{table}"')))
    return counts


async def _revisions(conn: AsyncConnection, schema: str) -> list[str]:
    if "alembic_version" not in await _tables(conn, schema):
        return []
    rows = await conn.execute(text(f'SELECT version_num FROM "{schema}".alembic_version'))
    return sorted(r[0] for r in rows)


async def snapshot(url: str, workdir: Path) -> tuple[Manifest, Path]:
    schema = schema_of(url)
    dsn, env = _libpq(url)
    pg_dump = _tool("pg_dump")
    db = Database(url, pool_size=1, max_overflow=0)
    try:
        async with db.engine.connect() as conn:
            conn = await conn.execution_options(isolation_level="REPEATABLE READ")
            async with conn.begin():
                await conn.execute(text("SET TRANSACTION READ ONLY"))
                snapshot_id = await conn.scalar(text("SELECT pg_export_snapshot()"))
                name = await _schema_name(conn, schema)
                manifest = Manifest(backend="postgresql", schema=schema,
                                    revisions=await _revisions(conn, name),
                                    row_counts=await row_counts(conn, name))
                payload = workdir / manifest.payload
                argv = [pg_dump, "--format=custom", f"--snapshot={snapshot_id}", "--enable-row-security",
                        "--no-owner", f"--file={payload}", f"--dbname={dsn}"]
                if schema:
                    argv.append(f"--schema={schema}")
                # The exporting transaction stays open until pg_dump has taken the snapshot.
                await _run(argv, env)
    finally:
        await db.dispose()
    return manifest, payload


async def ensure_empty(url: str) -> None:
    db = Database(url, pool_size=1, max_overflow=0)
    try:
        async with db.engine.connect() as conn:
            name = await _schema_name(conn, schema_of(url))
            found = await _tables(conn, name)
    finally:
        await db.dispose()
    if found:
        raise BackupError(f"schema {name} of the target database is not empty (it has {len(found)} "
                          f"tables, e.g. {found[0]}): restore needs a new database or schema")


async def load(payload: Path, url: str, manifest: Manifest, workdir: Path) -> tuple[dict[str, int], list[str]]:
    """pg_restore in one transaction; returns the restored row counts and revisions."""
    schema = schema_of(url)
    if schema != manifest.schema:
        raise BackupError(f"the backup holds schema {manifest.schema or '(the whole database)'}; give a "
                          f"target URL with search_path={manifest.schema}" if manifest.schema
                          else "the backup holds a whole database; give a target URL without search_path")
    dsn, env = _libpq(url)
    pg_restore = _tool("pg_restore")
    argv = [pg_restore, "--no-owner", "--exit-on-error", "--single-transaction", "--enable-row-security",
            f"--dbname={dsn}"]
    db = Database(url, pool_size=1, max_overflow=0)
    try:
        if schema:
            # A one-schema dump leaves out the extensions (they live in public): create them first.
            async with db.engine.begin() as conn:
                for statement in POSTGRES_EXTENSIONS:
                    await conn.execute(text(statement))
            async with db.engine.connect() as conn:
                exists = await conn.scalar(
                    text("SELECT count(*) FROM pg_namespace WHERE nspname = :s"), {"s": schema})
            if exists:
                # An empty schema made beforehand: restore everything but its CREATE SCHEMA.
                listing = (await _run([pg_restore, "--list", str(payload)], env)).decode()
                keep = [line for line in listing.splitlines() if f" SCHEMA - {schema} " not in line]
                toc = workdir / "restore.list"
                toc.write_text("\n".join(keep) + "\n")
                argv.append(f"--use-list={toc}")
        await _run([*argv, str(payload)], env)
        async with db.engine.connect() as conn, conn.begin():
            name = await _schema_name(conn, schema)
            return await row_counts(conn, name), await _revisions(conn, name)
    finally:
        await db.dispose()

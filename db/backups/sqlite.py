"""SQLite: snapshot with the online backup API, gzip; restore by decompressing into place."""

from __future__ import annotations

import gzip
import os
import shutil
import sqlite3
from contextlib import closing
from pathlib import Path

from db.backups.archive import CHUNK, BackupError, Manifest


def tables(conn: sqlite3.Connection) -> list[str]:
    rows = conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
    ).fetchall()
    return [r[0] for r in rows]


def row_counts(conn: sqlite3.Connection) -> dict[str, int]:
    return {t: conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables(conn)}


def revisions(conn: sqlite3.Connection) -> list[str]:
    if "alembic_version" not in tables(conn):
        return []
    return sorted(r[0] for r in conn.execute("SELECT version_num FROM alembic_version"))


def snapshot(database: Path, workdir: Path) -> tuple[Manifest, Path]:
    """Copy the live database page by page in one step (a consistent point in time even while
    the server writes: in WAL mode writers go on meanwhile), count its rows, compress it."""
    if not database.exists():
        raise BackupError(f"no database at {database}")
    copy = workdir / "snapshot.db"
    with closing(sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=30)) as src, \
            closing(sqlite3.connect(copy)) as dst:
        src.backup(dst)  # pages=-1: the whole file under one read transaction
        # One self-contained file: no -wal beside the restored database.
        dst.execute("PRAGMA journal_mode=DELETE")
        manifest = Manifest(backend="sqlite", revisions=revisions(dst), row_counts=row_counts(dst))
    payload = workdir / manifest.payload
    with copy.open("rb") as raw, gzip.open(payload, "wb", compresslevel=6) as packed:
        shutil.copyfileobj(raw, packed, CHUNK)
    copy.unlink()
    return manifest, payload


def ensure_empty(database: Path) -> None:
    if not database.exists() or database.stat().st_size == 0:
        return
    with closing(sqlite3.connect(f"file:{database}?mode=ro", uri=True)) as conn:
        found = tables(conn)
    if found:
        raise BackupError(f"{database} is not empty (it has {len(found)} tables, e.g. {found[0]}): "
                          "restore needs a new database")


def load(payload: Path, database: Path) -> dict[str, int]:
    """Decompress next to the target, count its rows, then move it into place."""
    partial = database.with_name(database.name + ".restoring")
    try:
        with gzip.open(payload, "rb") as packed, partial.open("wb") as raw:
            shutil.copyfileobj(packed, raw, CHUNK)
    except (OSError, EOFError) as exc:
        partial.unlink(missing_ok=True)
        raise BackupError(f"cannot decompress the backup: {exc}") from exc
    with closing(sqlite3.connect(partial)) as conn:
        counts = row_counts(conn)
    for suffix in ("-wal", "-shm"):
        Path(f"{database}{suffix}").unlink(missing_ok=True)
    os.replace(partial, database)
    return counts


def restored_revisions(database: Path) -> list[str]:
    with closing(sqlite3.connect(database)) as conn:
        return revisions(conn)

"""`canopy backup` and `canopy restore`: one archive format for SQLite and PostgreSQL.

See docs/backups.md. backup() snapshots a live database; restore() loads an archive into
an empty database, migrates it up when it is older than the code, and verifies it.
"""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from alembic.script import ScriptDirectory
from sqlalchemy.engine import make_url

from db.backups import postgres, sqlite, verify
from db.backups.archive import BackupError, Manifest, extract_payload, read_manifest, write
from db.migrate import alembic_config, migrate
from db.session import Database

__all__ = ["BackupError", "backup", "restore"]


def _backend(url: str) -> str:
    name = make_url(url).get_backend_name()
    if name not in ("sqlite", "postgresql"):
        raise BackupError(f"cannot back up a {name} database")
    return name


def _sqlite_path(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise BackupError("an in-memory SQLite database cannot be backed up or restored")
    return Path(database)


async def backup(url: str, target: Path) -> Manifest:
    if not target.parent.is_dir():
        raise BackupError(f"no folder {target.parent} to write the backup in")
    with tempfile.TemporaryDirectory(prefix="canopy-backup-", dir=target.parent) as tmp:
        if _backend(url) == "sqlite":
            manifest, payload = await asyncio.to_thread(sqlite.snapshot, _sqlite_path(url), Path(tmp))
        else:
            manifest, payload = await postgres.snapshot(url, Path(tmp))
        manifest.created_at = datetime.now(UTC).isoformat(timespec="seconds")
        write(target, manifest, payload)
    return manifest


def _known_revisions(revisions: list[str]) -> tuple[list[str], list[str]]:
    """(the code's heads, the backup's revisions this code does not know)."""
    script = ScriptDirectory.from_config(alembic_config())
    known = {r.revision for r in script.walk_revisions()}
    return sorted(script.get_heads()), [r for r in revisions if r not in known]


async def restore(url: str, source: Path, say: Callable[[str], None]) -> bool:
    """Load `source` into the empty database at `url`; True when every check passed.

    Refusals (not empty, newer revision, damaged file, wrong backend) raise BackupError
    before anything is written.
    """
    manifest = read_manifest(source)
    backend = _backend(url)
    if manifest.backend != backend:
        raise BackupError(f"the backup is of a {manifest.backend} database, the target is {backend}")
    heads, unknown = _known_revisions(manifest.revisions)
    if not manifest.revisions:
        raise BackupError("the backup records no migration revision (its database was not made by "
                          "`canopy migrate`), so it cannot be migrated safely")
    if unknown:
        raise BackupError(f"the backup is at migration revision {', '.join(unknown)}, which this Canopy "
                          f"does not know (its newest is {', '.join(heads)}): restore it with a newer Canopy")
    if backend == "sqlite":
        sqlite.ensure_empty(_sqlite_path(url))
    else:
        await postgres.ensure_empty(url)
    with tempfile.TemporaryDirectory(prefix="canopy-restore-") as tmp:
        payload = extract_payload(source, manifest, Path(tmp))
        say(f"checksum: sha256 {manifest.payload_sha256[:16]}... of {manifest.payload_bytes} bytes matches")
        if backend == "sqlite":
            counts = await asyncio.to_thread(sqlite.load, payload, _sqlite_path(url))
            revisions = await asyncio.to_thread(sqlite.restored_revisions, _sqlite_path(url))
        else:
            counts, revisions = await postgres.load(payload, url, manifest, Path(tmp))
    checks = [verify.row_counts(manifest.row_counts, counts)]
    if revisions != manifest.revisions:
        checks.append((False, f"revision: {revisions} restored, {manifest.revisions} in the manifest"))
    db = Database(url)
    try:
        if revisions != heads:
            await migrate(db)
            say(f"migrated from revision {', '.join(revisions) or '(none)'} to {', '.join(heads)}")
        else:
            say(f"revision: {', '.join(revisions)}, the code's current one")
        checks += await verify.invariants(db)
    finally:
        await db.dispose()
    for ok, line in checks:
        say(("ok        " if ok else "MISMATCH  ") + line)
    return all(ok for ok, _ in checks)

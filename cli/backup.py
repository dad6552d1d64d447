"""`canopy backup FILE` and `canopy restore FILE` (docs/backups.md)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from config import Settings


def register(sub: Any) -> None:
    from cli.main import run_async

    p = sub.add_parser("backup", help="write a verified, compressed snapshot of the database to FILE")
    p.add_argument("file", type=Path)
    p.set_defaults(func=run_async(backup_cmd))

    p = sub.add_parser("restore", help="load a backup into an empty database, migrate it up, verify it")
    p.add_argument("file", type=Path)
    # The target is new: restore creates its SQLite file.
    p.set_defaults(func=run_async(restore_cmd, creates_database=True))


async def backup_cmd(args: argparse.Namespace, settings: Settings) -> None:
    from cli.main import UserFacingError, database_name
    from db.backups import BackupError, backup

    try:
        manifest = await backup(settings.database_url, args.file)
    except BackupError as exc:
        raise UserFacingError(str(exc)) from exc
    rows = sum(manifest.row_counts.values())
    print(f"backed up {database_name(settings.database_url)} to {args.file}: revision "
          f"{', '.join(manifest.revisions) or '(none)'}, {len(manifest.row_counts)} tables, {rows} rows, "
          f"{manifest.payload_bytes} bytes, sha256 {manifest.payload_sha256}")


async def restore_cmd(args: argparse.Namespace, settings: Settings) -> int:
    from cli.main import UserFacingError, database_name
    from db.backups import BackupError, restore

    try:
        ok = await restore(settings.database_url, args.file, lambda line: print(line, flush=True))
    except BackupError as exc:
        raise UserFacingError(f"restore stopped: {exc}") from exc
    target = database_name(settings.database_url)
    if not ok:
        raise UserFacingError(f"restored {args.file} into {target}, but verification failed (see above); "
                              "do not serve from it")
    print(f"restored {args.file} into {target}; every check passed")
    return 0

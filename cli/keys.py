"""`canopy keys generate|status|rotate|retire`: the keyring of field-level encryption (docs/encryption.md)."""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path
from typing import Any

from config import Settings
from db import crypto
from db.session import Database


def register(sub: Any) -> None:
    from cli.main import run_async

    keys = sub.add_parser("keys", help="encryption keys of contact data at rest").add_subparsers(
        dest="action", required=True)
    p = keys.add_parser("generate", help="write a new keyring FILE (then set CANOPY_DATA_KEYS=FILE)")
    p.add_argument("file", type=Path)
    p.set_defaults(func=generate_cmd)

    p = keys.add_parser("status", help="encrypted values per column and key version")
    p.set_defaults(func=run_async(status_cmd))

    p = keys.add_parser("rotate", help="add a key version and re-encrypt every row with it, in batches")
    p.add_argument("--resume", action="store_true",
                   help="add no version: finish re-encrypting to the current one (after an interruption)")
    p.add_argument("--batch", type=int, default=500, help="rows per transaction (default 500)")
    p.add_argument("--wait", type=float, default=None,
                   help="seconds to let serving processes load the new key first (default: twice their check interval)")
    p.set_defaults(func=run_async(rotate_cmd))

    p = keys.add_parser("retire", help="drop a key version no row uses any more")
    p.add_argument("version", type=int)
    p.set_defaults(func=run_async(retire_cmd))


def generate_cmd(args: argparse.Namespace) -> None:
    from cli.main import UserFacingError

    if args.file.exists():
        raise UserFacingError(f"{args.file} exists: a keyring is never overwritten")
    crypto.Keyring.generate(args.file)
    print(f"wrote keyring {args.file} (key version 1); set CANOPY_DATA_KEYS={args.file.resolve()}")


def _ring() -> crypto.Keyring:
    from cli.main import UserFacingError

    ring = crypto.active()
    if ring is None:
        raise UserFacingError("no keyring: set CANOPY_DATA_KEYS to the keyring file (canopy keys generate FILE)")
    return ring


def _print_status(statuses: list[Any], ring: crypto.Keyring) -> None:
    from db.key_rotation import in_use

    for s in statuses:
        counts = ", ".join(f"v{k}: {n}" if k.isdigit() else f"{k}: {n}" for k, n in s.by_version.items())
        print(f"{s.name}: {s.total} values ({counts})")
    for version in sorted(ring.keys):
        used = in_use(statuses, version)
        state = "current" if version == ring.current else ("in use" if used else "unused, may be retired")
        print(f"key version {version}: {used} values, {state}")


async def status_cmd(_args: argparse.Namespace, settings: Settings) -> None:
    from db.key_rotation import status

    ring = _ring()
    db = Database(settings.database_url)
    try:
        _print_status(await status(db, ring), ring)
    finally:
        await db.dispose()


async def rotate_cmd(args: argparse.Namespace, settings: Settings) -> int:
    from db.key_rotation import status
    from resolvers.security.keys import reencrypt_all

    ring = _ring()
    if not args.resume:
        version = ring.add_version()
        wait = crypto.RELOAD_SECONDS * 2 if args.wait is None else args.wait
        print(f"added key version {version} to {ring.path}; new values use it once serving processes "
              f"re-read the keyring (waiting {wait:g} s)", flush=True)
        await asyncio.sleep(wait)
    db = Database(settings.database_url)
    try:
        rewritten = await reencrypt_all(db, batch=args.batch, say=lambda line: print(line, flush=True))
        statuses = await status(db, ring)
    finally:
        await db.dispose()
    left = sum(n for s in statuses for k, n in s.by_version.items() if k != str(ring.current))
    print(f"re-encrypted {rewritten} values with key version {ring.current}")
    _print_status(statuses, ring)
    if left:
        stale = {k for s in statuses for k, n in s.by_version.items() if n and k != str(ring.current)}
        print(f"{left} values are still on {', '.join(sorted(stale))} (written meanwhile by a process with "
              "the old keyring?): run `canopy keys rotate --resume`")
        return 1
    return 0


async def retire_cmd(args: argparse.Namespace, settings: Settings) -> None:
    from cli.main import UserFacingError
    from db.key_rotation import in_use, status

    ring = _ring()
    if args.version not in ring.keys:
        raise UserFacingError(f"keyring {ring.path} has no key version {args.version}")
    if args.version == ring.current:
        raise UserFacingError(f"key version {args.version} is the current one: rotate first")
    db = Database(settings.database_url)
    try:
        used = in_use(await status(db, ring), args.version)
    finally:
        await db.dispose()
    if used:
        raise UserFacingError(f"{used} values still use key version {args.version}: "
                              "run `canopy keys rotate --resume` first")
    del ring.keys[args.version]
    ring.save()
    print(f"retired key version {args.version}; backups taken before the rotation need a copy of the "
          "keyring that still holds it")

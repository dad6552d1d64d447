"""`canopy customers duplicates|merge`: identity resolution from the command line."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from db.session import Database


def register(sub: Any) -> None:
    from cli.bulk import with_database
    from cli.main import run_async, tenant_option

    customers = sub.add_parser("customers", help="duplicate customers and merges").add_subparsers(
        dest="action", required=True)
    p = customers.add_parser("duplicates", help="print the duplicate candidates of a subtree, best first")
    p.add_argument("--node", help="tier node code (default: the root)")
    p.add_argument("--limit", type=int, default=50, help="at most this many pairs (default 50)")
    tenant_option(p)
    p.set_defaults(func=run_async(with_database(duplicates_cmd)))
    p = customers.add_parser("merge", help="merge the pairs of a CSV (columns survivor,merged: id or externalRef)")
    p.add_argument("file", type=Path)
    p.add_argument("--dry-run", action="store_true", help="print what each merge would change; write nothing")
    tenant_option(p)
    p.set_defaults(func=run_async(with_database(merge_cmd)))


async def duplicates_cmd(db: Database, args: argparse.Namespace) -> int:
    from resolvers.bulk import importer, merges

    viewer = await importer.system_viewer(db, args.tenant)
    found = await merges.candidates(db, viewer, args.node, max(args.limit, 0))
    for c in found:
        a, b = c.customers
        print(f"{c.score:.3f}  {','.join(c.reasons)}  {_who(a)}  {_who(b)}")
    print(f"{len(found)} candidate pairs")
    return 0


def _who(customer: Any) -> str:
    from schema.relay import to_global_id

    return f"{to_global_id('Customer', customer.id)} ({customer.external_ref or '-'}, {customer.name})"


async def merge_cmd(db: Database, args: argparse.Namespace) -> int:
    from cli.main import UserFacingError
    from resolvers.bulk import importer, merges

    if not args.file.is_file():
        raise UserFacingError(f"no file {args.file}")
    viewer = await importer.system_viewer(db, args.tenant)
    failed = done = 0
    async for line in merges.merge_file(db, viewer, args.file, dry_run=args.dry_run):
        if line.outcome is None:
            failed += 1
            print(f"line {line.line}: {line.error}")
            continue
        done += 1
        o = line.outcome
        moved = ", ".join(f"{k} {v}" for k, v in o.counts.items() if v)
        balances = "; ".join(f"{m.program_name}: {m.points_balance} points, {m.tier}" for m in o.memberships)
        verb = "would merge" if args.dry_run else "merged"
        print(f"line {line.line}: {verb} {o.merged_ids[0]} into {o.survivor_id} ({moved or 'nothing to move'})"
              + (f"; {balances}" if balances else ""))
    print(f"{done} {'would be merged' if args.dry_run else 'merged'}, {failed} failed")
    return 1 if failed else 0

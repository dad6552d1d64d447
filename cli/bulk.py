"""`canopy import customers|orders FILE` and `canopy export customers|customer`."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, ProgressColumn, Task, TextColumn
from rich.text import Text

from config import Settings
from db.session import Database

IMPORTS = {
    "customers": ("resolvers.bulk.customers", "CustomerImport"),
    "orders": ("resolvers.bulk.orders", "OrderImport"),
}


def register(sub: Any) -> None:
    from cli.main import run_async, tenant_option

    imp = sub.add_parser("import", help="import customers or orders from CSV or JSONL")
    imp.add_argument("entity", choices=sorted(IMPORTS))
    imp.add_argument("file", type=Path)
    tenant_option(imp)
    imp.add_argument("--dry-run", action="store_true", help="validate only; write nothing")
    imp.add_argument("--format", choices=["csv", "jsonl"], help="default: by extension, else sniffed")
    imp.add_argument("--batch-size", type=int, default=1000)
    imp.add_argument("--errors", type=Path, help="error file (default: FILE.errors.csv)")
    imp.set_defaults(func=run_async(with_database(import_into)))

    exp = sub.add_parser("export", help="export customers (CSV/JSONL) or one customer (GDPR JSON)")
    what = exp.add_subparsers(dest="entity", required=True)
    p = what.add_parser("customers", help="customers of a subtree, streamed")
    p.add_argument("--node", help="tier node code (default: the root)")
    p.add_argument("--format", choices=["csv", "jsonl"], default="csv")
    p.add_argument("--output", type=Path, help="default: stdout")
    tenant_option(p)
    p.set_defaults(func=run_async(with_database(export_customers_to)))
    p = what.add_parser("customer", help="everything held about one customer, as JSON")
    p.add_argument("id", help="global id or externalRef")
    tenant_option(p)
    p.set_defaults(func=run_async(with_database(export_customer_to)))


class RowsPerSecond(ProgressColumn):
    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        return Text(f"{speed:,.0f} rows/s" if speed else "- rows/s", style="progress.data.speed")


def _count_records(path: Path, fmt: str) -> int:
    """Roughly how many rows the file holds (lines, less a CSV header), for the bar."""
    with path.open("rb") as f:
        lines = sum(chunk.count(b"\n") for chunk in iter(lambda: f.read(1 << 20), b""))
    return max(lines - (fmt == "csv"), 0)


def with_database(fn: Any) -> Any:
    """Run `fn(db, args)` on the configured database (tests call `fn` with theirs)."""

    async def command(args: argparse.Namespace, settings: Settings) -> int:
        db = Database(settings.database_url)
        try:
            return await fn(db, args)
        finally:
            await db.dispose()

    return command


async def import_into(db: Database, args: argparse.Namespace) -> int:
    import importlib

    from cli.main import UserFacingError
    from resolvers.bulk import importer as bulk_import

    if not args.file.is_file():
        raise UserFacingError(f"no such file: {args.file}")
    if args.batch_size < 1:
        raise UserFacingError("--batch-size must be at least 1")
    module, name = IMPORTS[args.entity]
    spec = getattr(importlib.import_module(module), name)()
    errors_path = args.errors or args.file.with_name(args.file.name + ".errors.csv")
    started = time.perf_counter()
    viewer = await bulk_import.system_viewer(db, args.tenant)
    fmt = args.format or bulk_import.detect_format(args.file)
    source = bulk_import.read_rows(args.file, spec, fmt)
    with Progress(
        TextColumn(f"{'checking' if args.dry_run else 'importing'} {args.entity}"), BarColumn(),
        MofNCompleteColumn(), RowsPerSecond(), console=Console(stderr=True),
    ) as progress:
        task = progress.add_task("rows", total=_count_records(args.file, fmt))
        try:
            summary = await bulk_import.run_import(
                db, viewer, spec, source, dry_run=args.dry_run, batch_size=args.batch_size,
                on_progress=lambda n: progress.advance(task, n),
            )
        except (OSError, UnicodeDecodeError) as exc:
            raise UserFacingError(f"cannot read {args.file}: {exc} (rows before it were imported)") from exc
    seconds = time.perf_counter() - started
    if summary.errors:
        bulk_import.write_errors(errors_path, summary.errors)
    elif errors_path.exists():
        errors_path.unlink()  # a stale file from an earlier run would mislead
    verb = "would be " if args.dry_run else ""
    print(
        f"{summary.rows} rows in {seconds:.1f} s ({summary.rows / seconds if seconds else 0:,.0f} rows/s): "
        f"{summary.created} {verb}created, {summary.updated} {verb}updated, "
        f"{summary.unchanged} unchanged, {summary.rejected} rejected"
        + (f", {summary.superseded} carried into a later row of the same record" if summary.superseded else "")
    )
    if summary.rejected:
        first = summary.errors[0]
        from bots.i18n import Translator

        raise UserFacingError(
            f"{Translator('en')('cli.import_rejected', count=summary.rejected)} (first: line {first.line}"
            f"{', column ' + first.column if first.column else ''}: {first.reason}); see {errors_path}"
        )
    return 0


async def export_customers_to(db: Database, args: argparse.Namespace) -> int:
    from resolvers.bulk import export as bulk_export
    from resolvers.bulk import importer as bulk_import

    viewer = await bulk_import.system_viewer(db, args.tenant)
    out = args.output.open("w", encoding="utf-8", newline="") if args.output else sys.stdout
    try:
        count = await bulk_export.export_customers(db, viewer, out, node_code=args.node, fmt=args.format)
    finally:
        if args.output:
            out.close()
    print(f"exported {count} customers", file=sys.stderr)
    return 0


async def export_customer_to(db: Database, args: argparse.Namespace) -> int:
    from resolvers.bulk import export as bulk_export
    from resolvers.bulk import importer as bulk_import

    viewer = await bulk_import.system_viewer(db, args.tenant)
    document = await bulk_export.export_one_customer(db, viewer, args.id)
    sys.stdout.write(document + "\n")
    return 0

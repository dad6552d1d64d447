"""The `canopy` command. Exit 0 on success, 1 on a user error, 2 on bad usage."""

from __future__ import annotations

import argparse
import asyncio
import importlib
import logging
import os
import sys
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url

from config import Settings
from resolvers.common.errors import DomainError, ErrorCode

# Modules with `register(subparsers)`; each adds its commands.
COMMAND_MODULES = ["cli.core", "cli.demo", "cli.points", "cli.rates", "cli.events", "cli.bulk", "cli.chat", "cli.webhooks",
                   "cli.staff", "cli.backup", "cli.keys", "cli.campaigns", "cli.customers"]


# The one answer when a command needs a tenant and the database has several.
GIVE_TENANT = "give --tenant SLUG (or set CANOPY_TENANT)"


class UserFacingError(Exception):
    """A failure to report in one line on stderr, exit status 1."""


class MissingData(UserFacingError):
    """Something the command looked up is not in the database; the message names the database."""


def database_name(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


def tenant_option(parser: argparse.ArgumentParser, *, required: bool = False,
                  help: str = "tenant slug (default: CANOPY_TENANT, else the only tenant)") -> None:
    default = os.environ.get("CANOPY_TENANT") or None
    parser.add_argument("--tenant", default=default, required=required and default is None, help=help)


def require_database(url: str) -> None:
    """A SQLite file that does not exist would be created empty by connecting: refuse instead."""
    parsed = make_url(url)
    in_file = parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:")
    if in_file and not Path(parsed.database).exists():
        raise UserFacingError(
            f"no database at {parsed.database} (CANOPY_DATABASE_URL={database_name(url)}): "
            "run `canopy migrate` or `canopy demo` first"
        )


def run_async(fn: Callable[..., Coroutine[Any, Any, Any]], *,
              creates_database: bool = False) -> Callable[[argparse.Namespace], Any]:
    """Run a command with the settings; only migrate and demo may create the database file."""
    def runner(args: argparse.Namespace) -> Any:
        from db import crypto

        settings = Settings.from_env()
        if not creates_database:
            require_database(settings.database_url)
        path = settings.keyring_path
        if creates_database and path and not Path(path).exists():
            path = None  # `canopy demo` generates it; migrate and restore read no encrypted value
        try:
            crypto.configure(path)
        except crypto.KeyringError as exc:
            raise UserFacingError(str(exc)) from exc
        return asyncio.run(fn(args, settings))

    return runner


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="canopy", description="Canopy CRM server and tools.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    args = build_parser().parse_args(argv)
    try:
        result = args.func(args)
    except (UserFacingError, DomainError) as exc:
        message = str(exc)
        missing = isinstance(exc, MissingData) or (
            isinstance(exc, DomainError) and any(p.code == ErrorCode.NOT_FOUND for p in exc.problems))
        if missing:
            message += f" in database {database_name(Settings.from_env().database_url)}"
        print(f"canopy: {message}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    return int(result or 0)


if __name__ == "__main__":
    # Run the module as `cli.main`, the one command modules import UserFacingError from.
    from cli.main import main as package_main

    sys.exit(package_main())

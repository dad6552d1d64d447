"""The `canopy` command. Exit 0 on success, 1 on a user error, 2 on bad usage."""

from __future__ import annotations

import argparse
import asyncio
import importlib
import logging
import sys
from collections.abc import Callable, Coroutine
from typing import Any

from config import Settings
from resolvers.common.errors import DomainError

# Modules with `register(subparsers)`; each adds its commands.
COMMAND_MODULES = ["cli.core", "cli.demo", "cli.points", "cli.rates", "cli.events", "cli.bulk", "cli.chat", "cli.webhooks"]


class UserFacingError(Exception):
    """A failure to report in one line on stderr, exit status 1."""


def run_async(fn: Callable[..., Coroutine[Any, Any, Any]]) -> Callable[[argparse.Namespace], Any]:
    def runner(args: argparse.Namespace) -> Any:
        return asyncio.run(fn(args, Settings.from_env()))

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
        print(f"canopy: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    return int(result or 0)


if __name__ == "__main__":
    # Run the module as `cli.main`, the one command modules import UserFacingError from.
    from cli.main import main as package_main

    sys.exit(package_main())

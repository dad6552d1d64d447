"""`canopy serve` on a busy port: one line, exit 1, before anything says it started."""

import asyncio
import contextlib
import socket
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_busy_port_fails_in_one_line_with_exit_1(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        env = {"PATH": "/usr/bin:/bin", "CANOPY_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'c.db'}"}
        done = subprocess.run(
            [sys.executable, "-m", "cli.main", "serve", "--port", str(port)],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False,
        )
    assert done.returncode == 1, done.stderr
    assert done.stderr.strip() == f"canopy: cannot listen on 127.0.0.1:{port}: Address already in use"
    assert "startup complete" not in done.stdout + done.stderr


def test_chat_help_shows_the_action_as_optional() -> None:
    from cli.main import build_parser

    parser = build_parser()
    chat = parser._subparsers._group_actions[0].choices["chat"]  # noqa: SLF001 - argparse has no public getter
    usage = chat.format_usage()
    assert "[ACTION]" in usage and " ACTION ..." not in usage.replace("[ACTION]", "")
    assert "Without an action: chat in the terminal" in chat.format_help()
    assert parser.parse_args(["chat", "--email", "a@b.example"]).chat_action is None



async def _due_task(url: str, title: str, customer_ref: str) -> None:
    """A migrated database: a tenant, its admin, a customer, and a task of the admin's due a minute ago."""
    from datetime import UTC, datetime, timedelta

    from db.migrate import migrate
    from db.models.customers import Customer
    from db.models.pipeline import Task
    from db.session import Database
    from resolvers.core.tenants import create_admin, get_or_create_tenant

    db = Database(url)
    try:
        await migrate(db)
        async with db.transaction(all_tenants=True) as session:
            tenant, root = await get_or_create_tenant(session, slug="shop", reporting_currency="EUR", root_code="HQ")
            admin = await create_admin(session, tenant=tenant, root=root, email="ana@shop.example",
                                       password="correct horse battery", name="Ana Admin")
        async with db.transaction(tenant_id=tenant.id) as session:
            customer = Customer(node_id=root.id, name="Mrs Smith", external_ref=customer_ref)
            session.add(customer)
            await session.flush()
            session.add(Task(title=title, due_at=datetime.now(UTC) - timedelta(minutes=1), assignee_id=admin.id,
                             customer_id=customer.id, node_id=root.id))
    finally:
        await db.dispose()


def _reminders_sent(db: Path) -> bool:
    """A reminder pass has logged its reminder: `sent_at` is written after the notifier ran."""
    import sqlite3

    with contextlib.closing(sqlite3.connect(db)) as conn:
        return conn.execute("SELECT count(*) FROM reminder WHERE sent_at IS NOT NULL").fetchone()[0] > 0


def _serve(env: dict[str, str], *options: str, until: Callable[[], bool]) -> tuple[int, list[str]]:
    """Run `canopy serve`, GET /healthz until it answers, wait for `until`, then /healthz and a
    GraphQL GET; returns how many answered and the lines it wrote."""
    import time

    import httpx

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen([sys.executable, "-m", "cli.main", "serve", "--port", str(port), *options],
                              cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    answered = 0
    try:
        deadline = time.monotonic() + 60
        while not answered and time.monotonic() < deadline:
            try:
                answered += httpx.get(f"http://127.0.0.1:{port}/healthz").status_code == 200
            except httpx.TransportError:
                time.sleep(0.1)
        while not until() and time.monotonic() < deadline:
            time.sleep(0.1)
        for path in ("/healthz", "/graphql?query=%7B__typename%7D"):
            answered += httpx.get(f"http://127.0.0.1:{port}{path}").status_code == 200
    finally:
        server.terminate()
        out, err = server.communicate(timeout=60)
    return answered, (out + err).splitlines()


def test_serve_logs_one_json_line_per_request_and_reminders_readably_at_debug(tmp_path: Path) -> None:
    """At the default level the reminder line is not written at all (tests/pipeline/test_reminders.py)."""
    import orjson

    # given: a database with a due task, a server checking reminders every 0.2 s
    url = f"sqlite+aiosqlite:///{tmp_path / 'c.db'}"
    env = {"PATH": "/usr/bin:/bin", "CANOPY_DATABASE_URL": url, "CANOPY_REMINDER_INTERVAL": "0.2"}
    asyncio.run(_due_task(url, "Bring the tea catalogue", "C-0042"))
    # when
    answered, lines = _serve(env, "--log-level", "debug", until=lambda: _reminders_sent(tmp_path / "c.db"))
    # then: one line per request, each a JSON object of Canopy's request log, without the query
    assert answered == 3, lines
    requests = [orjson.loads(line) for line in lines if "/healthz" in line or "/graphql" in line]
    assert [(r["logger"], r["msg"], r["path"]) for r in requests] == [
        ("canopy.http", "request", "/healthz"), ("canopy.http", "request", "/healthz"),
        ("canopy.http", "request", "/graphql")], lines
    # and the reminder is one JSON debug line naming task, staff and customer as people do
    [reminder] = [orjson.loads(line) for line in lines if "reminder" in line]
    assert (reminder["logger"], reminder["level"], reminder["reminder"]) == ("canopy.reminders", "debug", "task_due")
    assert reminder["msg"].startswith("reminder: task 'Bring the tea catalogue' due ")
    assert reminder["msg"].endswith(" for Ana Admin <ana@shop.example> (customer C-0042)")

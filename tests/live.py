"""A live `canopy serve` on a free port and a fresh SQLite file, for tests that need a real
HTTP server (graphql-http's audit, GraphiQL in a browser)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[1]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def canopy(db: Path, *args: str, env: dict[str, str] | None = None) -> str:
    """Runs a `canopy` command on that database; its stdout."""
    done = subprocess.run([sys.executable, "-m", "cli.main", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=300, env={**os.environ, "CANOPY_DATABASE_URL": f"sqlite+aiosqlite:///{db}", **(env or {})})
    assert done.returncode == 0, done.stderr
    return done.stdout


def start_server(db: Path, port: int, env: dict[str, str]) -> subprocess.Popen[bytes]:
    """`canopy serve` on that port with those CANOPY_* variables; returns once /healthz answers."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "cli.main", "serve", "--port", str(port)], cwd=ROOT,
        env={**os.environ, "CANOPY_DATABASE_URL": f"sqlite+aiosqlite:///{db}", "CANOPY_WEBHOOK_WORKER": "0",
             "CANOPY_REMINDER_INTERVAL": "0", **env},
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120  # migrations of a fresh database on a busy machine
    while True:
        try:
            if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                return proc
        except httpx.TransportError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"canopy serve did not come up: {proc.stderr.read().decode()[-2000:]}")
        time.sleep(0.3)


def stop_server(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()


@contextmanager
def live_server(db: Path, **env: str) -> Iterator[str]:
    """A started server (see start_server); yields its base URL."""
    port = _free_port()
    proc = start_server(db, port, env)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        stop_server(proc)

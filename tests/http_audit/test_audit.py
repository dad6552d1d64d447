"""graphql-http's GraphQL-over-HTTP audit (npm `graphql-http`, pinned in package.json) against
a live `canopy serve`, with CORS on (every audit request comes from an allowed Origin) and
persisted queries on: no MUST, SHOULD or MAY audit may fail.

Needs node and npm (`npm ci` installs the lockfile's packages into node_modules/ the first
time); outside CI their absence skips the test with the reason, with CI=true it fails.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import IN_CI

HERE = Path(__file__).resolve().parent
ORIGIN = "https://console.example.com"


def _missing(reason: str) -> None:
    if IN_CI:
        pytest.fail(f"{reason} (required with CI=true)")
    pytest.skip(reason)


def _installed() -> bool:
    """node_modules holds exactly the lockfile's graphql-http."""
    lock = json.loads((HERE / "package-lock.json").read_text())
    pinned = lock["packages"]["node_modules/graphql-http"]["version"]
    installed = HERE / "node_modules" / "graphql-http" / "package.json"
    return installed.is_file() and json.loads(installed.read_text())["version"] == pinned


@pytest.fixture(scope="module")
def node() -> str:
    node, npm = shutil.which("node"), shutil.which("npm")
    if not node or not npm:
        _missing("graphql-http's audit needs node and npm on PATH")
    if not _installed():
        done = subprocess.run([npm, "ci", "--ignore-scripts", "--no-audit", "--no-fund"], cwd=HERE,
                              capture_output=True, text=True, timeout=600)
        if done.returncode != 0:
            _missing(f"npm ci in {HERE} failed: {done.stderr.strip()[-500:]}")
    return node


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    port = _free_port()
    db = tmp_path_factory.mktemp("audit") / "canopy.db"
    env = {
        **os.environ, "CANOPY_DATABASE_URL": f"sqlite+aiosqlite:///{db}", "CANOPY_CORS_ORIGINS": ORIGIN,
        "CANOPY_TRUSTED_DOCUMENTS": "off", "CANOPY_WEBHOOK_WORKER": "0", "CANOPY_REMINDER_INTERVAL": "0",
        # the audit sends ~60 requests at once from one address
        "CANOPY_RATE_LIMIT_BURST": "1000",
    }
    proc = subprocess.Popen([sys.executable, "-m", "cli.main", "serve", "--port", str(port)], env=env,
                            cwd=HERE.parents[1], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120  # migrations of a fresh database on a busy machine
        while True:
            try:
                if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                pytest.fail(f"canopy serve did not come up: {proc.stderr.read().decode()[-2000:]}")
            time.sleep(0.5)
        yield f"{url}/graphql"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


def test_graphql_over_http_audit_passes_every_audit(node: str, server: str) -> None:
    # given: the CORS setting really is on for the audit's origin
    preflight = httpx.options(server, headers={"origin": ORIGIN, "access-control-request-method": "POST"})
    assert preflight.headers.get("access-control-allow-origin") == ORIGIN
    # when
    done = subprocess.run([node, "audit.mjs", server, "--origin", ORIGIN], cwd=HERE,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    # then
    failures = [f"{f['name']}: {f['reason']} (HTTP {f['httpStatus']}: {f['body']})" for f in summary["failures"]]
    assert summary["total"] >= 40 and summary["ok"] == summary["total"], "\n".join(failures)
    assert (summary["MUST"], summary["SHOULD"], summary["MAY"]) == (0, 0, 0)

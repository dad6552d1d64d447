"""graphql-http's GraphQL-over-HTTP audit (npm `graphql-http`, pinned in package.json) against
a live `canopy serve`, with CORS on (every audit request comes from an allowed Origin) and
persisted queries on: no MUST, SHOULD or MAY audit may fail.

Needs node and npm (`npm ci` installs the lockfile's packages into node_modules/ the first
time); outside CI their absence skips the test with the reason, with CI=true it fails.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import IN_CI
from tests.live import live_server

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


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    db = tmp_path_factory.mktemp("audit") / "canopy.db"
    # the audit sends ~60 requests at once from one address
    with live_server(db, CANOPY_CORS_ORIGINS=ORIGIN, CANOPY_TRUSTED_DOCUMENTS="off",
                     CANOPY_RATE_LIMIT_BURST="1000") as url:
        yield f"{url}/graphql"


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

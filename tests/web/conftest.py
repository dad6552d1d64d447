"""Web-facing tests: the app without a database (web_client), or on the test database with other
settings (api_with); and the browser: Debian's chromium driven by Playwright (never `playwright
install`) against a real `canopy serve` seeded through the API (live_server.py)."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import event

from config import Settings
from db.session import Database
from server import create_app
from tests.conftest import IN_CI, Api
from tests.web.live_server import LiveServer, seed

ClientFactory = Callable[..., Any]



@pytest.fixture
def web_client(tmp_path: Any) -> ClientFactory:
    """`async with web_client(env="production") as client:` an httpx client of an app."""

    @asynccontextmanager
    async def make(**settings: Any) -> AsyncIterator[httpx.AsyncClient]:
        url = f"sqlite+aiosqlite:///{tmp_path}/unused.db"
        app = create_app(Settings(database_url=url, **settings), migrate_on_start=False)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            yield client
        await app.state.canopy.db.dispose()

    return make


@pytest.fixture
def api_with(api: Api) -> Callable[..., Any]:
    """`async with api_with(trusted_documents="only") as other:` the same database, other settings."""

    @asynccontextmanager
    async def make(**overrides: Any) -> AsyncIterator[Api]:
        settings = dataclasses.replace(api.app.state.canopy.settings, **overrides)
        app = create_app(settings, db=api.db, migrate_on_start=False)
        graphql = app.state.graphql_view
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
            other = Api(app, client, api.db)
            other.token = api.token
            yield other
        await graphql.documents.close()

    return make


@contextmanager
def sql_statements(db: Database) -> Iterator[list[str]]:
    """Every statement the database's engine runs inside the block (any task, any session)."""
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(statement)

    event.listen(db.engine.sync_engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(db.engine.sync_engine, "before_cursor_execute", record)


CHROMIUM = os.environ.get("CANOPY_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]
# CANOPY_SCREENSHOTS=docs/web python -m pytest tests/web: the PNGs docs/web.md shows.
SHOTS = os.environ.get("CANOPY_SCREENSHOTS")


def _missing() -> str | None:
    if not Path(CHROMIUM).exists():
        return f"no chromium at {CHROMIUM}: apt-get install -y chromium chromium-driver"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright package is missing: pip install -e '.[dev]'"
    return None


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    reason = _missing()
    if reason:
        if IN_CI:
            pytest.fail(reason)
        pytest.skip(reason)
    server = LiveServer(tmp_path_factory.mktemp("e2e") / "canopy.db")
    try:
        seed(server)
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def browser(live: LiveServer) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


def shot(page: Any, name: str, **kw: Any) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"), **kw)


def no_horizontal_scroll(page: Any) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def watch_layout_shifts(page: Any) -> None:
    """Sums the page's unexpected layout shifts (CLS) into window.__cls from now on."""
    page.evaluate("""() => { window.__cls = 0; new PerformanceObserver((list) => {
        for (const e of list.getEntries()) if (!e.hadRecentInput) window.__cls += e.value;
    }).observe({ type: 'layout-shift', buffered: false }); }""")

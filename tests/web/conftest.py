"""Browser fixtures: Debian's chromium driven by Playwright (never `playwright install`),
against a real uvicorn of Canopy seeded through the API (live_server.py)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import IN_CI
from tests.web.live_server import LiveServer, seed

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

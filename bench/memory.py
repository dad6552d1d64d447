"""Cyclic garbage and GC cost of one customers page, in process: `python -m bench.memory`.

Runs the bench's page query (bench/limits.py) against the ASGI app through httpx's
ASGI transport, then reports (a) the types of the objects one page leaves in
reference cycles (gc.DEBUG_SAVEALL) and (b) collections and time in GC per page
with the current thresholds (timed by gc.callbacks). tests/core/test_memory.py
uses cyclic_garbage() to pin "a page of 100 creates no cyclic garbage".
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import dataclasses
import gc
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any

import httpx

from bench import limits
from bench.generate import SCALES, generate
from db.session import Database

Page = Callable[[], Awaitable[None]]


def page_runner(client: httpx.AsyncClient, token: str, size: int = 100) -> Page:
    query = limits.page_query()

    async def page() -> None:
        resp = await client.post("/graphql", json={"query": query, "variables": {"first": size}},
                                 headers={"Authorization": f"Bearer {token}"})
        body = resp.json()
        assert not body.get("errors") and len(body["data"]["customers"]["edges"]) == size, body.get("errors")

    return page


async def cyclic_garbage(page: Page) -> collections.Counter[str]:
    """Types of the objects one run of `page` leaves only reachable through cycles.

    The page runs three times first to warm caches (parse/validation, statement caches,
    lazily built schema parts; the orders' window statement was still built on the second
    request), then again with gc disabled; what a full collection then finds unreachable
    came from that request."""
    for _ in range(3):
        await page()
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        gc.collect()
        gc.set_debug(gc.DEBUG_SAVEALL)
        gc.garbage.clear()
        await page()
        gc.collect()
        found = collections.Counter(f"{type(o).__module__}.{type(o).__qualname__}" for o in gc.garbage)
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        if was_enabled:
            gc.enable()
    return found


@contextmanager
def gc_timer() -> Iterator[dict[str, Any]]:
    """Collections per generation and seconds spent in them while the block runs."""
    stats: dict[str, Any] = {"collections": [0, 0, 0], "seconds": 0.0}
    started: list[float] = []

    def callback(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            started.append(time.perf_counter())
        elif started:
            stats["seconds"] += time.perf_counter() - started.pop()
            stats["collections"][info["generation"]] += 1

    gc.callbacks.append(callback)
    try:
        yield stats
    finally:
        gc.callbacks.remove(callback)


async def gc_cost(page: Page, pages: int) -> dict[str, float]:
    """Per page: collections, ms in GC, CPU ms (process_time) over `pages` runs."""
    await page()
    with gc_timer() as stats:
        cpu = time.process_time()
        for _ in range(pages):
            await page()
        cpu = time.process_time() - cpu
    return {"collections_per_page": sum(stats["collections"]) / pages,
            "full_collections": stats["collections"][2],
            "gc_ms_per_page": stats["seconds"] * 1000 / pages,
            "cpu_ms_per_page": cpu * 1000 / pages}


@asynccontextmanager
async def page_app(tmp: Path, scale: str = "tiny") -> AsyncIterator[Page]:
    """A generated data set on SQLite under `tmp`, the app started (lifespan), and its page."""
    from config import Settings
    from server import create_app

    url = f"sqlite+aiosqlite:///{tmp / 'memory.db'}"
    db = Database(url)
    gen = await generate(db, SCALES[scale])
    await db.dispose()
    app = create_app(dataclasses.replace(Settings.from_env(), database_url=url))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            yield page_runner(client, gen.admin_token)


async def main_async(scale: str, pages: int, freeze: bool) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        async with page_app(Path(tmp), scale) as page:
            if not freeze:
                gc.unfreeze()
                gc.set_threshold(700, 10, 10)
            garbage = await cyclic_garbage(page)
            print(f"cyclic garbage after one page: {sum(garbage.values())} objects")
            for name, n in garbage.most_common(40):
                print(f"  {n:6d}  {name}")
            print(f"thresholds {gc.get_threshold()}, frozen {gc.get_freeze_count()}")
            print(await gc_cost(page, pages))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", choices=list(SCALES), default="tiny")
    parser.add_argument("--pages", type=int, default=50)
    parser.add_argument("--no-freeze", action="store_true", help="undo gcsetup.py (unfreeze, default thresholds)")
    args = parser.parse_args()
    asyncio.run(main_async(args.scale, args.pages, not args.no_freeze))


if __name__ == "__main__":
    main()

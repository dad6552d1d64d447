"""The staff console's routes: the single page at `/` and its hashed assets under /console/.

The files are built from console/ (npm) into web/console/ and ship inside the Python
package, so `canopy serve` needs no node. index.html is revalidated on every load (it names
the current assets); the assets carry a content hash in their names and are cached for a year.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import FileResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

BUILD = Path(__file__).parent / "console"

# The console talks to its own origin only (fetch and websocket); nothing loads from elsewhere.
SECURITY_HEADERS = {
    "content-security-policy": (
        "default-src 'self'; connect-src 'self'; img-src 'self' data:; style-src 'self'; "
        "script-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
    ),
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
}


class HashedAssets(StaticFiles):
    """Vite's output files: their names change with their content, so they never go stale."""

    def file_response(self, full_path: Any, stat_result: os.stat_result, scope: Any, status_code: int = 200) -> Response:
        response = super().file_response(full_path, stat_result, scope, status_code)
        response.headers["cache-control"] = "public, max-age=31536000, immutable"
        response.headers["x-content-type-options"] = "nosniff"
        return response


async def index(request: Request) -> Response:
    page = BUILD / "index.html"
    if not page.is_file():
        return PlainTextResponse(
            "The staff console is not built: cd console && npm ci && npm run build", status_code=404
        )
    response = FileResponse(page, media_type="text/html; charset=utf-8")
    response.headers["cache-control"] = "no-cache"
    response.headers.update(SECURITY_HEADERS)
    return response


def routes() -> list[BaseRoute]:
    assets = BUILD / "assets"
    return [
        Route("/", index, methods=["GET", "HEAD"]),
        Mount("/console/assets", HashedAssets(directory=assets, check_dir=False), name="console-assets"),
    ]

"""GraphiQL from Canopy's own origin: the page at GET /graphql and its files at /static/graphiql/.

The vendored files live in web/graphiql/static/<package>@<version>/ (web/graphiql/vendor.py
copies them out of node_modules): a URL names its version, so those are cached for a year
as immutable; Canopy's own files (the page script, its CSS, the icon) revalidate by ETag.
The page's CSP lets it load and connect to this origin only.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.staticfiles import StaticFiles

GRAPHIQL = Path(__file__).resolve().parent / "graphiql"
STATIC_PATH = "/static/graphiql"
_VERSIONED = re.compile(r"(@[^/]+/)?[^/@]+@\d[^/]*/")
IMMUTABLE = "public, max-age=31536000, immutable"


class GraphiQLFiles(StaticFiles):
    def file_response(self, full_path: Any, stat_result: Any, scope: Any, status_code: int = 200) -> Response:
        response = super().file_response(full_path, stat_result, scope, status_code)
        relative = Path(full_path).resolve().relative_to(GRAPHIQL / "static").as_posix()
        response.headers["cache-control"] = IMMUTABLE if _VERSIONED.match(relative) else "no-cache"
        response.headers["x-content-type-options"] = "nosniff"
        return response


def graphiql_files() -> GraphiQLFiles:
    return GraphiQLFiles(directory=GRAPHIQL / "static")


@cache
def _page() -> str:
    return (GRAPHIQL / "index.html").read_text(encoding="utf-8")


def graphiql_page(request: Request) -> Response:
    host = request.url.netloc
    csp = "; ".join((
        "default-src 'none'",
        "script-src 'self'",
        # React and CodeMirror set style attributes; no stylesheet comes from elsewhere.
        "style-src 'self' 'unsafe-inline'",
        "font-src 'self' data:",
        "img-src 'self' data:",
        # 'self' covers ws(s) to this host only in newer browsers: both are named.
        f"connect-src 'self' ws://{host} wss://{host}",
        "base-uri 'none'",
        "form-action 'none'",
        "frame-ancestors 'none'",
    ))
    return HTMLResponse(_page(), headers={
        "content-security-policy": csp,
        "cache-control": "no-cache",
        "x-content-type-options": "nosniff",
        "referrer-policy": "no-referrer",
    })

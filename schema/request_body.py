"""The shape of a GraphQL HTTP body, checked before strawberry reads it: anything else is a 400
with a GraphQL error body (never a 500 from a string, a number, bad UTF-8 or deep nesting)."""

from __future__ import annotations

from typing import Any

import orjson
from cross_web import HTTPException
from starlette.responses import JSONResponse

MAX_JSON_DEPTH = 32  # far deeper than any real input; graphql-core recurses per level


def _depth(value: Any) -> int:
    deepest, stack = 0, [(value, 1)]
    while stack:
        v, d = stack.pop()
        deepest = max(deepest, d)
        if isinstance(v, dict):
            stack.extend((x, d + 1) for x in v.values())
        elif isinstance(v, list):
            stack.extend((x, d + 1) for x in v)
    return deepest


def parse_body(data: str | bytes) -> Any:
    """orjson refuses invalid UTF-8, lone surrogates and nesting beyond 1024 levels."""
    try:
        parsed = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise HTTPException(400, "Unable to parse request body as JSON (UTF-8, no lone surrogates)") from exc
    items = parsed if isinstance(parsed, list) else [parsed]
    if not items or not all(isinstance(item, dict) for item in items):
        raise HTTPException(400, "The request body must be a JSON object")
    if _depth(parsed) > MAX_JSON_DEPTH:
        raise HTTPException(400, f"The request body nests deeper than {MAX_JSON_DEPTH} levels")
    return parsed


def bad_request(exc: HTTPException) -> JSONResponse:
    return JSONResponse(
        {"data": None, "errors": [{"message": exc.reason, "extensions": {"code": "BAD_REQUEST"}}]},
        status_code=exc.status_code,
    )

"""The shape of a GraphQL HTTP body, checked before strawberry reads it: anything else is a 400
with a GraphQL error body (never a 500 from a string, a number, bad UTF-8 or deep nesting)."""

from __future__ import annotations

from typing import Any

import orjson
from cross_web import HTTPException
from starlette.responses import Response

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


GRAPHQL_RESPONSE_JSON = "application/graphql-response+json"


def accepts_graphql_response(accept: str | None) -> bool:
    return GRAPHQL_RESPONSE_JSON in (accept or "")


def request_error(message: str, code: str, status: int, *, accept: str | None,
                  headers: dict[str, str] | None = None) -> Response:
    """A request refused before execution. GraphQL over HTTP: with graphql-response+json
    such a response has no `data` entry (and a 4xx status); plain JSON keeps `data: null`."""
    body: dict[str, Any] = {"errors": [{"message": message, "extensions": {"code": code}}]}
    if accepts_graphql_response(accept):
        media_type = GRAPHQL_RESPONSE_JSON
    else:
        body = {"data": None, **body}
        media_type = "application/json"
    return Response(orjson.dumps(body), status_code=status, media_type=media_type, headers=headers)


def bad_request(exc: HTTPException, *, accept: str | None) -> Response:
    return request_error(exc.reason, "BAD_REQUEST", exc.status_code, accept=accept)

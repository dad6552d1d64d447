"""Cacheable reads: a GraphQL GET answered 200 without errors carries an ETag (a hash of its
body) and `Cache-Control: private, no-cache`, so a browser keeps it for this user only and
revalidates it every time; `If-None-Match` with that tag gets 304 and no body. An answer with
errors is not kept at all (`no-store`): its errors carry a fresh request id anyway.

Only queries run over GET (strawberry refuses mutations there, Canopy with 405), so no
response that changed anything is ever cached.
"""

from __future__ import annotations

import hashlib

from starlette.requests import Request
from starlette.responses import Response

from schema.request_body import GRAPHQL_RESPONSE_JSON

CACHE_CONTROL = "private, no-cache"
VARY = "Accept, Authorization"  # the media type follows Accept, the data the token
JSON_TYPES = ("application/json", GRAPHQL_RESPONSE_JSON)


def etag(body: bytes) -> str:
    return '"' + hashlib.blake2b(body, digest_size=16).hexdigest() + '"'


def _matches(header: str, tag: str) -> bool:
    """RFC 9110 If-None-Match: weak comparison, `*` matches any current representation."""
    for candidate in (c.strip() for c in header.split(",")):
        if candidate == "*" or candidate.removeprefix("W/") == tag:
            return True
    return False


def conditional_get(request: Request, response: Response) -> Response:
    if (request.method != "GET" or response.status_code != 200
            or not response.headers.get("content-type", "").startswith(JSON_TYPES)):
        return response
    if getattr(request.state, "graphql_errors", True):
        response.headers["cache-control"] = "private, no-store"
        return response
    tag = etag(bytes(response.body))
    headers = {"etag": tag, "cache-control": CACHE_CONTROL, "vary": VARY}
    if _matches(request.headers.get("if-none-match", ""), tag):
        return Response(status_code=304, headers=headers)
    response.headers.update(headers)
    return response

"""create_app(): the ASGI application (GraphQL, health, bot webhooks)."""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import AsyncGenerator, AsyncIterator
from contextlib import asynccontextmanager
from contextvars import ContextVar
from typing import Any

import orjson
from cross_web import HTTPException
from sqlalchemy import text
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect, WebSocketState
from strawberry.asgi import ASGIWebSocketAdapter, GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.http import GraphQLHTTPResponse, GraphQLRequestData, process_result
from strawberry.http.exceptions import (
    NonJsonMessageReceived,
    NonTextMessageReceived,
    WebSocketDisconnected,
)
from strawberry.schema.exceptions import InvalidOperationTypeError
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.types import ExecutionResult
from strawberry.types.graphql import OperationType
from strawberry.types.unset import UNSET
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from bots.telegram import WEBHOOK_ROUTE, webhook_bot
from config import Settings
from db import crypto
from db.migrate import migrate
from db.session import Database
from gcsetup import freeze_startup_heap
from logs import redact_server_logs
from metrics import metrics_endpoint, observe
from resolvers.core.auth import record_token_use, viewer_for_token
from resolvers.events.broker import Broker
from resolvers.marketing.worker import start_worker as start_campaign_worker
from resolvers.pipeline.reminders import start_reminders
from schema import build_schema
from schema.conditional import conditional_get
from schema.connection import CanopyTransportWS
from schema.context import AppState, Context
from schema.documents import Documents, Refused, trusted_documents
from schema.events.render import encode_message
from schema.http import BodySizeLimit, Callers, RateLimit, RateLimiter, bearer
from schema.request_body import (
    GRAPHQL_RESPONSE_JSON,
    accepts_graphql_response,
    bad_request,
    parse_body,
    request_error,
)
from schema.webhooks.delivery import start_worker as start_webhook_worker
from web import staff_console
from web.graphiql_page import STATIC_PATH, graphiql_files, graphiql_page

log = logging.getLogger("canopy.http")

# Browsers cache a preflight at most this long (Chromium's cap; Firefox allows a day).
CORS_MAX_AGE = 7200
# What a browser on an allowed origin may send, and read from the response, beyond the
# CORS-safelisted headers.
CORS_REQUEST_HEADERS = ("Authorization", "Content-Type", "If-None-Match", "X-Request-Id")
CORS_RESPONSE_HEADERS = ("ETag", "Retry-After")
# Refusals of persisted/trusted documents must not be cached by anyone.
UNCACHED = {"cache-control": "private, no-cache, must-revalidate"}

# The request's body, parsed and its document resolved before its context exists (so a
# refused document costs no token lookup); strawberry's run() then takes it from here.
_resolved: ContextVar[GraphQLRequestData | list[GraphQLRequestData] | None] = ContextVar(
    "canopy_resolved_request", default=None
)


MESSAGE_TOO_BIG = 1009  # RFC 6455
RAW_WS_SEND = "canopy.ws_send"  # scope key: the websocket's send below RequestLog and the app's wrappers


class TextWebSocketAdapter(ASGIWebSocketAdapter):
    """graphql-transport-ws messages are JSON text frames; our orjson bytes would go out binary,
    which browser clients cannot parse. Incoming messages get the HTTP body limit."""

    async def iter_json(self, *, ignore_parsing_errors: bool = False) -> AsyncGenerator[object, None]:
        limit = self.view.app_state.settings.max_body_bytes  # type: ignore[attr-defined]
        try:
            while self.ws.application_state != WebSocketState.DISCONNECTED:
                text = await self.ws.receive_text()
                if len(text) > limit // 4 and len(text.encode()) > limit:
                    await self.ws.close(MESSAGE_TOO_BIG, f"message larger than {limit} bytes")
                    return
                try:
                    yield self.view.decode_json(text)
                except json.JSONDecodeError as exc:
                    if not ignore_parsing_errors:
                        raise NonJsonMessageReceived from exc
        except KeyError as exc:  # a binary frame
            raise NonTextMessageReceived from exc
        except WebSocketDisconnect:
            pass

    async def send_json(self, message: Any) -> None:
        text = encode_message(message)
        raw = self.ws.scope.get(RAW_WS_SEND)
        if raw is None or self.ws.application_state is not WebSocketState.CONNECTED:
            try:
                await self.ws.send_text(text)
            except WebSocketDisconnect as exc:
                raise WebSocketDisconnected from exc
            return
        # A text frame on an open socket goes to the server's send as starlette's WebSocket.send
        # would put it, past the middlewares' send wrappers, which only look at other messages:
        # 1,000 subscribers of one event are 1,000 sends through 3-4 wrappers.
        try:
            await raw({"type": "websocket.send", "text": text})
        except OSError as exc:
            self.ws.application_state = WebSocketState.DISCONNECTED
            raise WebSocketDisconnected from exc


class CanopyGraphQL(GraphQL):
    """strawberry's ASGI view with our context, auth and JSON encoding."""

    graphql_transport_ws_handler_class = CanopyTransportWS
    websocket_adapter_class = TextWebSocketAdapter  # type: ignore[assignment]

    def __init__(self, app_state: AppState, limiter: RateLimiter, **kw: Any) -> None:
        self.app_state = app_state
        self.limiter = limiter  # websocket messages count against the same windows as HTTP
        settings = app_state.settings
        super().__init__(
            build_schema(production=settings.production),
            graphql_ide=None if settings.production else "graphiql",
            allow_queries_via_get=True,
            keep_alive=True,
            keep_alive_interval=15,
            subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
            max_subscriptions_per_connection=20,
            allowed_origins=settings.cors_origins,  # websocket handshakes from those pages
            **kw,
        )
        self.documents = Documents(settings, trusted_documents(self.schema._schema))

    def encode_json(self, data: object) -> bytes:  # type: ignore[override]
        return orjson.dumps(data)

    def parse_json(self, data: str | bytes) -> Any:
        return parse_body(data)

    def should_render_graphql_ide(self, request: Any) -> bool:
        # A GET carrying a persisted query's hash (and no text) is an operation, not a page visit.
        return super().should_render_graphql_ide(request) and "extensions" not in request.query_params

    async def render_graphql_ide(self, request: Request) -> Response:
        return graphiql_page(request)

    async def run(self, request: Any, context: Any = UNSET, root_value: Any = UNSET) -> Any:
        if not isinstance(request, Request):  # a websocket: CanopyTransportWS resolves its documents
            return await super().run(request, context, root_value)
        accept = request.headers.get("accept")
        token = None
        try:
            adapter = self.request_adapter_class(request)
            if self.is_request_allowed(adapter) and not self.should_render_graphql_ide(adapter):
                token = _resolved.set(await self._resolve(adapter))
            response = await super().run(request, context, root_value)
        except Refused as exc:
            return request_error(exc.message, exc.code, exc.status, accept=accept, headers=UNCACHED)
        except HTTPException as exc:
            cause = exc.__cause__
            if isinstance(cause, InvalidOperationTypeError) and cause.operation_type == OperationType.MUTATION:
                # GraphQL over HTTP: a mutation over GET is 405, and POST is the way.
                return request_error(exc.reason, "METHOD_NOT_ALLOWED", 405, accept=accept,
                                     headers={"allow": "POST"})
            if exc.status_code != 400:
                raise
            return bad_request(exc, accept=accept)
        finally:
            if token is not None:
                _resolved.reset(token)
        return conditional_get(request, response)

    async def _resolve(self, adapter: Any) -> GraphQLRequestData | list[GraphQLRequestData]:
        data = await super().parse_http_body(adapter)
        for item in data if isinstance(data, list) else [data]:
            item.query = await self.documents.resolve(item.query, item.extensions)
        return data

    async def parse_http_body(self, request_adapter: Any) -> GraphQLRequestData | list[GraphQLRequestData]:
        resolved = _resolved.get()
        return resolved if resolved is not None else await super().parse_http_body(request_adapter)

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            # Whatever path the request took (refused before execution included), its
            # session ends with it: no connection is left idle in a transaction. Popped, as
            # scope -> state -> context -> request -> scope is a cycle only a full GC frees.
            ctx = scope.get("state", {}).pop("canopy_context", None)
            if ctx is not None:
                await ctx.close()

    async def process_result(self, request: Request, result: ExecutionResult) -> GraphQLHTTPResponse:
        """GraphQL over HTTP: a client accepting graphql-response+json gets that media type,
        and 400 without a `data` entry when the request failed before execution (parse,
        validation, limits, authentication: errors without a path). A null `data` after a
        field error (errors with a path) stays a 200."""
        processed = process_result(result)
        request.state.graphql_errors = bool(result.errors)  # schema/conditional.py caches none
        if accepts_graphql_response(request.headers.get("accept")):
            response = request.state.canopy_context.response
            response.media_type = GRAPHQL_RESPONSE_JSON
            if result.data is None and result.errors and all(e.path is None for e in result.errors):
                response.status_code = 400
                processed.pop("data", None)
        return processed

    def create_response(self, response_data: Any, sub_response: Response) -> Response:
        response = super().create_response(response_data, sub_response)
        if sub_response.media_type:
            response.headers["content-type"] = sub_response.media_type
        return response

    async def get_context(self, request: Request | WebSocket, response: Any) -> Context:
        request_id = request.headers.get("x-request-id") or uuid.uuid4().hex
        ctx = Context(self.app_state, request=request, response=response, request_id=request_id)
        request.state.canopy_context = ctx
        if isinstance(request, Request):
            token = bearer(request.headers.get("authorization"))
            if token:
                # The token lookup opens the request's own session: no second connection.
                ctx.set_viewer(await viewer_for_token(ctx.session, token))
                await record_token_use(self.app_state.db, ctx.session)
        return ctx

    async def _viewer(self, token: str) -> Any:
        async with self.app_state.db.session() as session:
            viewer = await viewer_for_token(session, token)
            await record_token_use(self.app_state.db, session)
            return viewer

    async def ws_viewer(self, context: Context) -> Any:
        """The viewer of a websocket's connection_init token, None once it is invalid."""
        params = context.connection_params or {}
        token = bearer(str(params.get("authorization") or params.get("Authorization") or ""))
        return await self._viewer(token) if token else None

    async def on_ws_connect(self, context: Context) -> Any:
        viewer = await self.ws_viewer(context)
        if viewer is None:
            raise ConnectionRejectionError({"code": "UNAUTHENTICATED"})
        context.set_viewer(viewer)
        return None


async def healthz(request: Request) -> Response:
    db: Database = request.app.state.canopy.db
    try:
        async with db.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
    except Exception:  # noqa: BLE001 - any failure means unhealthy
        log.exception("health check failed")
        return JSONResponse({"status": "error", "database": "unreachable"}, status_code=503)
    return JSONResponse({"status": "ok", "database": db.dialect})


class RequestLog:
    """Structured access log: one line per HTTP request or websocket, with its request id.

    The path only, never the query string (a GET carries the operation's variables)."""

    def __init__(self, app: Any) -> None:  # pure ASGI middleware: no buffering of bodies
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status: dict[str, Any] = {"code": 500 if scope["type"] == "http" else None}
        if scope["type"] == "websocket":
            scope[RAW_WS_SEND] = send  # the server's own send (TextWebSocketAdapter.send_json)

        async def send_wrapper(message: Any) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
            elif message["type"] == "websocket.close":
                status["code"] = message.get("code", 1000)
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            elapsed = time.perf_counter() - start
            if scope["type"] == "http":
                observe(scope, status["code"], elapsed)
            ctx = scope.get("state", {}).get("canopy_context")
            log.info(
                "request" if scope["type"] == "http" else "websocket",
                extra={
                    "method": scope.get("method", "WS"), "path": scope["path"], "status": status["code"],
                    "ms": round(elapsed * 1000, 2), "client": (scope.get("client") or ("",))[0],
                    "request_id": getattr(ctx, "request_id", None),
                },
            )


def create_app(
    settings: Settings | None = None, *, db: Database | None = None, migrate_on_start: bool = True
) -> Starlette:
    settings = settings or Settings.from_env()
    crypto.configure(settings.keyring_path)  # a missing or broken keyring stops the start
    db = db or Database(settings.database_url)
    state = AppState(settings=settings, db=db, broker=Broker(db, settings))
    limiter = RateLimiter(settings)
    graphql = CanopyGraphQL(state, limiter)
    redact_server_logs()

    async def graphql_options(_request: Request) -> Response:
        # A preflight never gets here (CORSMiddleware answers it); a plain OPTIONS learns the methods.
        return Response(status_code=204, headers={"allow": "GET, POST, OPTIONS"})

    @asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        if migrate_on_start:
            await migrate(db)
        async with webhook_bot(state):
            # Inside the bot's lifetime: reminders may be delivered through it.
            reminders = start_reminders(state)
            webhooks = start_webhook_worker(state)
            campaigns = start_campaign_worker(state)
            freeze_startup_heap()  # after migrations and startup: see gcsetup.py
            yield
            if webhooks is not None:
                await webhooks.stop()
            if campaigns is not None:
                await campaigns.stop()
            if reminders is not None:
                await reminders.stop()
        await graphql.documents.close()
        await state.broker.close()
        await db.dispose()

    app = Starlette(
        routes=[
            Route("/graphql", graphql, methods=["GET", "POST"]),
            Route("/graphql", graphql_options, methods=["OPTIONS"]),
            WebSocketRoute("/graphql", graphql),
            # GraphiQL's files, with the IDE itself: none in production.
            *([] if settings.production else [Mount(STATIC_PATH, app=graphiql_files(), name="graphiql")]),
            Route("/healthz", healthz),
            Route("/metrics", metrics_endpoint),
            WEBHOOK_ROUTE,
            *staff_console.routes(),  # the staff console at /
        ],
        middleware=[
            # The client address from X-Forwarded-For only when a configured proxy sent it.
            *([Middleware(ProxyHeadersMiddleware, trusted_hosts=list(settings.trusted_proxies))]
              if settings.trusted_proxies else []),
            Middleware(RequestLog),
            # Outside the guards, so a 413 or 429 still carries the headers a browser needs
            # to read it; credentials off: Canopy authenticates by bearer token, never cookies.
            Middleware(
                CORSMiddleware, allow_origins=list(settings.cors_origins), allow_credentials=False,
                allow_methods=["GET", "POST", "OPTIONS"], allow_headers=list(CORS_REQUEST_HEADERS),
                expose_headers=list(CORS_RESPONSE_HEADERS), max_age=CORS_MAX_AGE,
            ),
            Middleware(BodySizeLimit, max_bytes=settings.max_body_bytes),
            Middleware(RateLimit, limiter=limiter, callers=Callers(db), paths=frozenset({"/graphql"})),
        ],
        lifespan=lifespan,
    )
    app.state.canopy = state
    app.state.graphql_view = graphql
    return app

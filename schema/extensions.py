"""Cross-cutting execution concerns: limits, authentication gate, cost, SQL counter, errors.

Every limit here acts before any resolver runs: depth, aliases and tokens at
parse/validation time, the cost and the authentication gate at the start of
execution (a result set there means graphql-core never resolves a field).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from typing import Any

from graphql import ExecutionResult, FieldNode, GraphQLError, OperationDefinitionNode
from graphql.validation import NoSchemaIntrospectionCustomRule
from strawberry.extensions import MaskErrors, ParserCache, SchemaExtension, ValidationCache
from strawberry.extensions.max_aliases import create_validator as aliases_rule
from strawberry.extensions.query_depth_limiter import create_validator as depth_rule
from strawberry.types.graphql import OperationType

from db.session import statement_counter
from schema.context import Context
from schema.cost import query_cost
from schema.errors import PublicError, unauthenticated
from schema.strings import CleanStrings

log = logging.getLogger("canopy.graphql")

MAX_DEPTH = 15
MAX_ALIASES = 50
MAX_TOKENS = 4000
# Distinct documents whose parse and validation are remembered (bots and apps send a few
# dozen fixed operations; anything beyond falls out of the LRU).
DOCUMENT_CACHE_SIZE = 512

# The limit rules are built once: strawberry's QueryDepthLimiter/MaxAliasesLimiter make a new
# rule class per request, which would make every validation a ValidationCache miss.
LIMIT_RULES = (depth_rule(MAX_DEPTH, None, None), aliases_rule(MAX_ALIASES))

# Root fields an anonymous caller may use.
PUBLIC_FIELDS = {"login", "__typename", "__schema", "__type"}


def _root_fields(execution_context: Any) -> set[str]:
    doc = execution_context.graphql_document
    names: set[str] = set()
    if doc is None:
        return names
    op_name = execution_context.operation_name
    fragments = {d.name.value: d for d in doc.definitions if d.kind == "fragment_definition"}
    for definition in doc.definitions:
        if not isinstance(definition, OperationDefinitionNode):
            continue
        if op_name and (definition.name is None or definition.name.value != op_name):
            continue
        stack = list(definition.selection_set.selections)
        while stack:
            sel = stack.pop()
            if isinstance(sel, FieldNode):
                names.add(sel.name.value)
            elif sel.kind == "fragment_spread":
                frag = fragments.get(sel.name.value)
                if frag:
                    stack.extend(frag.selection_set.selections)
            else:  # inline fragment
                stack.extend(sel.selection_set.selections)
    return names


# Root fields of a login session whose password an administrator reset (docs/staff.md).
PASSWORD_CHANGE_FIELDS = PUBLIC_FIELDS | {"me", "changeMyPassword"}


class RequireViewer(SchemaExtension):
    """Without a valid token only `login` (and introspection) runs; a session that must
    change its password first runs only `me` and `changeMyPassword`."""

    def on_execute(self) -> Iterator[None]:
        ctx = self.execution_context
        viewer = getattr(ctx.context, "viewer", None)
        if viewer is None and not _root_fields(ctx) <= PUBLIC_FIELDS:
            ctx.result = ExecutionResult(data=None, errors=[unauthenticated()])
        elif viewer is not None and viewer.password_change_required and not _root_fields(ctx) <= PASSWORD_CHANGE_FIELDS:
            ctx.result = ExecutionResult(data=None, errors=[PublicError(
                "your password was reset: choose your own with changeMyPassword first", "PASSWORD_CHANGE_REQUIRED")])
        yield


class SubscriptionsOnWebsocket(SchemaExtension):
    """A subscription sent over HTTP (POST or GET) gets a typed error: the resolver's stream
    has nowhere to go there, and graphql-core's answer to it was masked as INTERNAL."""

    def on_execute(self) -> Iterator[None]:
        ctx = self.execution_context
        if (not ctx.result and ctx.operation_type is OperationType.SUBSCRIPTION
                and isinstance(ctx.context, Context) and not _is_subscription(ctx.context)):
            ctx.result = ExecutionResult(data=None, errors=[PublicError(
                "subscriptions are served over a websocket (graphql-transport-ws) at /graphql, not over HTTP",
                "BAD_REQUEST",
            )])
        yield


class CloseSession(SchemaExtension):
    """The request's session ends with the operation (its connection goes back to the pool)."""

    async def on_operation(self) -> AsyncIterator[None]:  # type: ignore[override]
        yield
        ctx = self.execution_context.context
        if isinstance(ctx, Context) and not _is_subscription(ctx):
            await ctx.close()


def _is_subscription(ctx: Context) -> bool:
    return getattr(ctx.request, "scope", {}).get("type") == "websocket"


class StatementCounter(SchemaExtension):
    """With CANOPY_DEBUG=1, `extensions.sql.statements` tells how many SQL statements ran."""

    def on_operation(self) -> Iterator[None]:
        self.box = [0]
        token = statement_counter.set(self.box)
        try:
            yield
        finally:
            statement_counter.reset(token)

    def get_results(self) -> dict[str, Any]:
        ctx = self.execution_context.context
        if getattr(ctx, "settings", None) is not None and ctx.settings.debug:
            return {"sql": {"statements": self.box[0]}}
        return {}


class QueryCost(SchemaExtension):
    """Refuses a document whose static cost (schema/cost.py) exceeds the configured maximum.

    Reported like Saleor: `extensions.cost = {requestedQueryCost, maximumAvailable}`.
    """

    cost: int | None = None

    def on_execute(self) -> Iterator[None]:
        ctx = self.execution_context
        settings = getattr(ctx.context, "settings", None)
        self.maximum = settings.max_query_cost if settings is not None else None
        if ctx.graphql_document is not None and ctx.result is None:
            self.cost = query_cost(
                ctx.schema._schema, ctx.graphql_document, ctx.operation_name, ctx.variables
            )
            if self.maximum is not None and self.cost > self.maximum:
                ctx.result = ExecutionResult(data=None, errors=[PublicError(
                    f"query cost {self.cost} exceeds the maximum of {self.maximum}: "
                    "ask for smaller pages or fewer fields", "QUERY_TOO_COSTLY",
                )])
        yield

    def get_results(self) -> dict[str, Any]:
        if self.cost is None:
            return {}
        return {"cost": {"requestedQueryCost": self.cost, "maximumAvailable": self.maximum}}


class CheapMaskErrors(MaskErrors):
    """MaskErrors without its runtime Protocol check, which ran on every result: per event and
    subscriber it was 5 % of the server's CPU delivering one event to 1,000 sockets."""

    def _process_result(self, result: object) -> None:
        errors = getattr(result, "errors", None)
        if errors:
            result.errors = self._process_errors(errors)  # type: ignore[attr-defined]


class MaskInternalErrors(CheapMaskErrors):
    """Faults reach the client as INTERNAL, never with their text; every error carries the request id."""

    def __init__(self) -> None:
        super().__init__(should_mask_error=is_fault, error_message="Internal error.")

    def _request_id(self) -> str | None:
        return getattr(self.execution_context.context, "request_id", None)

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        return GraphQLError(
            message=self.error_message, nodes=error.nodes, path=error.path,
            extensions={"code": "INTERNAL", "requestId": self._request_id()},
        )

    def _process_errors(self, errors: list[GraphQLError]) -> list[GraphQLError]:
        out = []
        for error in super()._process_errors(errors):
            if (error.extensions or {}).get("requestId") is None:
                error = GraphQLError(
                    message=error.message, nodes=error.nodes, source=error.source,
                    positions=error.positions, path=error.path, original_error=error.original_error,
                    extensions={**(error.extensions or {}), "requestId": self._request_id()},
                )
            out.append(error)
        return out


def is_fault(error: GraphQLError) -> bool:
    original = error.original_error
    return original is not None and not isinstance(original, GraphQLError)


def log_errors(errors: list[GraphQLError], execution_context: Any) -> None:
    """Faults are logged with their traceback and the request id the client was given."""
    request_id = getattr(getattr(execution_context, "context", None), "request_id", None)
    for error in errors:
        if is_fault(error):
            log.error(
                "fault %s at %s", type(error.original_error).__name__, error.path,
                exc_info=error.original_error, extra={"request_id": request_id},
            )
        else:
            log.debug("request error: %s", error.message, extra={"request_id": request_id})


class Limits(SchemaExtension):
    """Tokens at parse time; depth, aliases (and introspection in production) at validation.

    Stable rule classes and parse options, so that ParserCache and ValidationCache
    (after this extension) serve a repeated document without parsing or validating it again.
    """

    rules: tuple[Any, ...] = LIMIT_RULES

    def on_operation(self) -> Iterator[None]:
        ctx = self.execution_context
        ctx.validation_rules = tuple(ctx.validation_rules) + self.rules
        yield

    def on_parse(self) -> Iterator[None]:
        self.execution_context.parse_options["max_tokens"] = MAX_TOKENS
        yield


class ProductionLimits(Limits):
    rules = (*LIMIT_RULES, NoSchemaIntrospectionCustomRule)


def limit_extensions(*, production: bool) -> list[Any]:
    """The schema's extensions, limits first; production also refuses introspection."""
    from schema.production import HideSuggestions

    return [
        *([HideSuggestions] if production else []),
        ProductionLimits if production else Limits,
        lambda: ParserCache(maxsize=DOCUMENT_CACHE_SIZE),
        lambda: ValidationCache(maxsize=DOCUMENT_CACHE_SIZE),
        CloseSession, RequireViewer, SubscriptionsOnWebsocket, CleanStrings, QueryCost, StatementCounter, MaskInternalErrors,
    ]

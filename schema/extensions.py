"""Cross-cutting execution concerns: authentication gate, SQL statement counter."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

from graphql import ExecutionResult, FieldNode, GraphQLError, OperationDefinitionNode
from strawberry.extensions import MaskErrors, SchemaExtension

from db.session import statement_counter
from schema.context import Context
from schema.errors import unauthenticated

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


class RequireViewer(SchemaExtension):
    """Without a valid token only `login` (and introspection) runs."""

    def on_execute(self) -> Iterator[None]:
        ctx = self.execution_context
        if getattr(ctx.context, "viewer", None) is None and not _root_fields(ctx) <= PUBLIC_FIELDS:
            ctx.result = ExecutionResult(data=None, errors=[unauthenticated()])
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


class MaskInternalErrors(MaskErrors):
    """Faults reach the client as INTERNAL with the request id, never with their text."""

    def __init__(self) -> None:
        super().__init__(should_mask_error=_is_fault, error_message="Internal error.")

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        ctx = self.execution_context.context
        return GraphQLError(
            message=self.error_message, nodes=error.nodes, path=error.path,
            extensions={"code": "INTERNAL", "requestId": getattr(ctx, "request_id", None)},
        )


def _is_fault(error: GraphQLError) -> bool:
    original = error.original_error
    return original is not None and not isinstance(original, GraphQLError)

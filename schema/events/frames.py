"""A subscription's events as ready `next` frames: strawberry's per-result machinery only when it has work.

strawberry's `Schema._stream` wraps every result of a subscription in its result
handling (a new ExecutionResult, every extension's results, every extension's
`on_stream_result` context manager): a third of the server's CPU delivering one
event to 1,000 sockets, for results that, without errors, it leaves as they are.
`stream` below is `Schema.stream` with the same setup, parse, validation, extension
hooks and error handling (copied from strawberry 0.341's `_stream`), except that a
subscription's result without errors goes out as a `Frame`: its data, which an
audience shares (schema/events/render.py), and the extensions' results, computed
as strawberry would. A result with errors takes strawberry's own path (masking,
`process_errors`), and so do queries and mutations sent over the websocket.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Any

import orjson
from graphql import ExecutionResult as GraphQLExecutionResult
from strawberry.exceptions import MissingQueryError
from strawberry.extensions import SchemaExtension
from strawberry.extensions.mask_errors import MaskErrors
from strawberry.schema._graphql_core import execution_context_class_kwargs, subscribe
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.schema.schema import (
    DEFAULT_ALLOWED_OPERATION_TYPES,
    Schema,
    _coerce_error,
    _coerce_pre_execution_error,
)
from strawberry.types.execution import PreExecutionError
from strawberry.types.graphql import OperationType
from strawberry.utils.aio import aclosing
from strawberry.utils.await_maybe import await_maybe

from schema.events.render import ENCODED, Encoded

_BASE_RESULTS = SchemaExtension.get_results
_BASE_STREAM_RESULT = SchemaExtension.on_stream_result


class Frame:
    """A subscription result without errors: the `next` message's text for an operation id."""

    __slots__ = ("data", "extensions")

    def __init__(self, data: dict[str, Any], extensions: dict[str, Any]) -> None:
        self.data = data
        self.extensions = extensions

    def message(self, op_id: str, id_json: str) -> Encoded:
        """The `next` message, its text as encode_message would write it: the data's JSON is
        the audience's one encoding, the id (and the small extensions) the socket's own."""
        payload = {"data": self.data}
        tail = "}}"
        if self.extensions:
            payload["extensions"] = self.extensions
            tail = f',"extensions":{orjson.dumps(self.extensions).decode()}}}}}'
        text = f'{{"id":{id_json},"type":"next","payload":{{"data":{ENCODED(self.data)}{tail}'
        return Encoded(text, id=op_id, type="next", payload=payload)


def _fast_lane(extensions: list[SchemaExtension]) -> tuple[list[Any], bool]:
    """The extensions' get_results that may add something (the base one adds nothing), and
    whether a result without errors may skip `on_stream_result`: it may when the only hooks
    are MaskErrors', which have no work without errors."""
    results = [ext.get_results for ext in extensions if type(ext).get_results is not _BASE_RESULTS]
    skip = all(type(ext).on_stream_result is _BASE_STREAM_RESULT or isinstance(ext, MaskErrors)
               for ext in extensions)
    return results, skip


async def stream(  # noqa: PLR0917
    schema: Schema, query: str | None, variable_values: dict[str, Any] | None = None,
    context_value: Any | None = None, root_value: Any | None = None, operation_name: str | None = None,
) -> AsyncGenerator[Any, None]:
    """`schema.stream(...)`, yielding `Frame`s for a subscription's results without errors."""
    execution_context = schema._create_execution_context(
        query=query, allowed_operation_types=DEFAULT_ALLOWED_OPERATION_TYPES, variable_values=variable_values,
        context_value=context_value, root_value=root_value, operation_name=operation_name,
        operation_extensions=None,
    )
    extensions = schema.get_extensions()
    for extension in extensions:
        extension.execution_context = execution_context
    runner = schema.create_extensions_runner(execution_context, extensions)
    middleware_manager = schema._get_middleware_manager(extensions)
    results, skip_stream_hooks = _fast_lane(extensions)

    async with runner.operation():
        try:
            initial_error = await schema._prepare_operation_async(
                context=execution_context, extensions_runner=runner)
        except (MissingQueryError, CannotGetOperationTypeError, InvalidOperationTypeError) as error:
            initial_error = PreExecutionError(data=None, errors=[_coerce_pre_execution_error(error)])
        if initial_error:
            initial_error.extensions = await runner.get_extensions_results(execution_context)
            execution_result = await schema._handle_execution_result(execution_context, initial_error, runner)
            async with runner.on_stream_result(execution_result):
                yield execution_result
            return

        if execution_context.operation_type is not OperationType.SUBSCRIPTION:
            source = schema._stream_non_subscription(execution_context, runner, middleware_manager, None)
            async with aclosing(source):
                async for result in source:
                    async with runner.on_stream_result(result):
                        yield result
            return

        try:
            async with runner.executing():
                aiter_or_result = await await_maybe(subscribe(
                    schema._schema, execution_context.graphql_document,
                    root_value=execution_context.root_value, variable_values=execution_context.variables,
                    operation_name=execution_context.operation_name, context_value=execution_context.context,
                    middleware=middleware_manager, operation_extensions=None,
                    **execution_context_class_kwargs(schema.execution_context_class),
                ))
            if isinstance(aiter_or_result, GraphQLExecutionResult):
                execution_result = await schema._handle_execution_result(
                    execution_context, PreExecutionError(data=None, errors=aiter_or_result.errors), runner)
                async with runner.on_stream_result(execution_result):
                    yield execution_result
            else:
                try:
                    async with aclosing(aiter_or_result):
                        async for subscription_result in aiter_or_result:
                            if (skip_stream_hooks and not subscription_result.errors
                                    and isinstance(subscription_result.data, dict)):
                                # What strawberry's result handling would give, without its wrapping.
                                found: dict[str, Any] = {}
                                for get_results in results:
                                    found.update(await await_maybe(get_results()))
                                found.update(execution_context.extensions_results)
                                yield Frame(subscription_result.data, found)
                                continue
                            execution_result = await schema._handle_execution_result(
                                execution_context, subscription_result, runner)
                            async with runner.on_stream_result(execution_result):
                                yield execution_result
                except Exception as exc:  # noqa: BLE001 - graphql-core does not handle errors raised while executing
                    execution_result = await schema._handle_execution_result(
                        execution_context, GraphQLExecutionResult(data=None, errors=[_coerce_error(exc)]), runner)
                    async with runner.on_stream_result(execution_result):
                        yield execution_result
        except Exception as exc:  # noqa: BLE001 - raised in an `on_execute` hook
            execution_result = await schema._handle_execution_result(
                execution_context, GraphQLExecutionResult(data=None, errors=[_coerce_error(exc)]), runner)
            async with runner.on_stream_result(execution_result):
                yield execution_result


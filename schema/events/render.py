"""Events rendered once per audience: one execution and one JSON encoding for every socket alike.

A subscription's selection set over one event gives the same result for every
subscriber with the same document, variables and view of the data, so the first
subscriber to reach an event executes it and the rest of its audience reuse the
result (and, in schema/connection.py, its JSON). After Hasura's multiplexed
subscriptions, but per process and without changing how each stream is fed:
replay, ordering and resume stay per subscriber (resolvers/events/stream.py).

The audience is what a read may depend on besides the event: the tenant, role,
scope, grants, locale and reporting currency, and the staff member themselves
only for roles whose reads depend on who they are (an integrator sees only its
own webhooks). A read that starts to depend on another property of the viewer
must add it to `audience_of`.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from typing import Any

import orjson
from graphql import ExecutionResult, OperationDefinitionNode, VariableNode, visit
from graphql.language import Visitor

from db.models.core import Role
from resolvers.common.viewer import Viewer
from schema.by_identity import ByIdentity
from schema.plan import PlannedExecutor

RENDERED_MAX = 4096  # (audience, event) results kept; a burst of events is far smaller
_IDENTITY_ROLES = frozenset({Role.INTEGRATOR})


def audience_of(viewer: Viewer) -> tuple[Any, ...]:
    who = viewer.staff_id if viewer.role in _IDENTITY_ROLES else None
    return (viewer.tenant_id, viewer.role, viewer.scope_path, viewer.grants, viewer.locale,
            viewer.reporting_currency, who)


class _Rendered:
    """An LRU of execution results by (audience, document, variables, event position)."""

    def __init__(self) -> None:
        self.results: OrderedDict[tuple[Any, ...], asyncio.Future[ExecutionResult] | ExecutionResult] = OrderedDict()
        self.executions = 0  # what the bench and tests read: executions actually run

    def get(self, key: tuple[Any, ...]) -> Any:
        found = self.results.get(key)
        if found is not None:
            self.results.move_to_end(key)
        return found

    def put(self, key: tuple[Any, ...], value: Any) -> None:
        self.results[key] = value
        if len(self.results) > RENDERED_MAX:
            self.results.popitem(last=False)

    def drop(self, key: tuple[Any, ...]) -> None:
        self.results.pop(key, None)


RENDERED = _Rendered()


class _RootArguments(Visitor):
    """Variables that feed only the root field's `after`: they choose where a stream starts,
    not what an event renders to, so subscribers resuming at different cursors share."""

    def __init__(self) -> None:
        super().__init__()
        self.after: set[str] = set()
        self.uses: dict[str, int] = {}

    def enter_variable(self, node: VariableNode, _key: Any, parent: Any, *_args: Any) -> None:
        name = node.name.value
        self.uses[name] = self.uses.get(name, 0) + 1
        if getattr(getattr(parent, "name", None), "value", None) == "after":
            self.after.add(name)


def _document_key(operation: OperationDefinitionNode, variables: dict[str, Any]) -> tuple[Any, ...]:
    source = operation.loc.source.body if operation.loc is not None else repr(operation)
    counter = _RootArguments()
    visit(operation, counter)
    # A variable is used once as the root's `after` and once in its definition.
    skip = {n for n in counter.after if counter.uses.get(n, 0) <= 2}
    kept = {k: v for k, v in variables.items() if k not in skip}
    name = operation.name.value if operation.name is not None else None
    return source, name, orjson.dumps(kept, option=orjson.OPT_SORT_KEYS, default=str)


class CanopyExecutor(PlannedExecutor):
    """The schema's executor (planned, schema/plan.py); per-event executions of an event
    subscription are shared."""

    _render_key: tuple[Any, ...] | None = None

    def build_per_event_executor(self, payload: Any) -> Any:
        if self._render_key is None:
            viewer = getattr(self.context_value, "viewer", None)
            if viewer is not None:
                self._render_key = (audience_of(viewer), *_document_key(
                    self.operation, self.variable_values.coerced))
        entry = getattr(payload, "entry", None)
        if self._render_key is not None and entry is not None:
            found = RENDERED.get((*self._render_key, entry.seq))
            if isinstance(found, ExecutionResult):
                return _RenderedHit(found)  # no copy of this executor for a result already made
        return super().build_per_event_executor(payload)

    def execute_operation(self, serially: bool | None = None) -> Any:
        entry = getattr(self.root_value, "entry", None)
        if self._render_key is None or entry is None:
            return super().execute_operation(serially)
        key = (*self._render_key, entry.seq)
        found = RENDERED.get(key)
        if isinstance(found, ExecutionResult):
            return found
        if found is not None:
            return self._wait(found, serially)
        return self._execute(key, serially)

    def _execute(self, key: tuple[Any, ...], serially: bool | None) -> Any:
        RENDERED.executions += 1
        result = super().execute_operation(serially)
        if not self.is_awaitable(result):
            RENDERED.put(key, result)
            return result
        future: asyncio.Future[ExecutionResult | None] = asyncio.get_running_loop().create_future()
        RENDERED.put(key, future)
        return self._settle(key, future, result)

    async def _settle(self, key: tuple[Any, ...], future: asyncio.Future[ExecutionResult | None],
                      pending: Any) -> Any:
        try:
            result = await pending
        except BaseException:
            # A failure of this subscriber's own (e.g. its cancellation) is nobody else's:
            # those waiting execute for themselves.
            RENDERED.drop(key)
            future.set_result(None)
            raise
        RENDERED.put(key, result)
        future.set_result(result)
        return result

    async def _wait(self, future: asyncio.Future[ExecutionResult | None], serially: bool | None) -> Any:
        result = await asyncio.shield(future)
        if result is not None:
            return result
        result = super().execute_operation(serially)
        return await result if self.is_awaitable(result) else result


class _RenderedHit:
    """What graphql-core's per-event step calls on an event its audience has rendered already."""

    __slots__ = ("result",)

    def __init__(self, result: ExecutionResult) -> None:
        self.result = result

    def execute_operation(self, serially: bool | None = None) -> ExecutionResult:
        return self.result


# The JSON of result data sent to many sockets, by the identity of the (shared) data.
ENCODED = ByIdentity(lambda data: orjson.dumps(data).decode(), RENDERED_MAX)


class Encoded(dict[str, Any]):
    """A message whose JSON text is already written (schema/events/frames.py): sent as it is."""

    __slots__ = ("text",)

    def __init__(self, text: str, **message: Any) -> None:
        super().__init__(message)
        self.text = text


def encode_message(message: Any) -> str:
    """A graphql-transport-ws message as JSON text. A `next` reuses the encoding of its data,
    so an audience's sockets get the same bytes for one encoding (only the message id and
    the small per-request extensions, cost and statements, are encoded per socket)."""
    if type(message) is Encoded:
        return message.text
    payload = message.get("payload") if message.get("type") == "next" else None
    if not isinstance(payload, dict) or not isinstance(payload.get("data"), dict):
        return orjson.dumps(message).decode()
    rest = "".join(f",{orjson.dumps(k).decode()}:{orjson.dumps(v).decode()}" for k, v in payload.items() if k != "data")
    return (f'{{"id":{orjson.dumps(message["id"]).decode()},"type":"next",'
            f'"payload":{{"data":{ENCODED(payload["data"])}{rest}}}}}')

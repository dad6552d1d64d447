"""Planned execution: an object's selection set completed by generated functions, not field by field.

graphql-core completes every field of every row through `execute_field`: a resolve info, the
argument values, strawberry's resolver wrapper and Info, then `complete_value` down the type.
For a selection set whose fields are all attribute reads or synchronous resolvers, that walk is
the same for every row, so it is compiled once per (operation, type, field nodes) into nested
completion functions that read the values and build the result dicts directly
(schema/plan_compile.py; docs/performance.md, "Planned execution"). Per execution, each resolver
field's arguments are coerced and its Info built once, not once per row. An object graphql-core
completes itself (it has a field no plan can do) still has its other fields done by field plans.

A plan never decides anything the executor would decide differently: whenever a value is not
plain (a resolver returned an awaitable, a non-null field is null, a scalar does not coerce, an
exception, a failed `is_type_of`) the plan gives up on that value and graphql-core completes it
from the same value, so results and errors are the executor's own. What is never planned: abstract
types (interfaces, unions), async resolvers, fields with strawberry field extensions, @defer and
fragment arguments, and any schema with resolver middleware. `CANOPY_PLAN_VERIFY=1` (the test
suite) completes every planned value both ways and fails on any difference.
"""

from __future__ import annotations

import copy
import os
from collections import OrderedDict
from collections.abc import Mapping
from typing import Any

import orjson
from graphql import GraphQLList, GraphQLObjectType, OperationDefinitionNode
from graphql.execution.executor import CollectedErrors
from graphql.language import Visitor, visit
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from schema.plan_compile import Bail, Compiler, Complete

PLANS_MAX = 4096
VERIFY = os.environ.get("CANOPY_PLAN_VERIFY") == "1"
MISMATCHES: list[str] = []  # what the test suite's fixture reads in verify mode


class _HasDirectives(Visitor):
    found = False

    def enter_directive(self, *_args: Any) -> Any:
        self.found = True
        return self.BREAK


def _uses_directives(operation: OperationDefinitionNode, fragments: Mapping[str, Any]) -> bool:
    """@skip/@include change the collected fields with the variables: such plans are per execution."""
    for node in (operation, *fragments.values()):
        seen = _HasDirectives()
        visit(getattr(node, "definition", node), seen)
        if seen.found:
            return True
    return False


class Planner:
    """Plans by (operation, type, field nodes); an operation's nodes live as long as its plans."""

    def __init__(self) -> None:
        self.plans: OrderedDict[tuple[int, ...], tuple[Any, Complete | None]] = OrderedDict()
        self.per_operation: OrderedDict[int, tuple[OperationDefinitionNode, bool]] = OrderedDict()
        self.compiled = 0  # what tests and the bench read: plans built, plans that completed a value
        self.used = 0

    def shared(self, executor: Any) -> bool:
        operation = executor.operation
        found = self.per_operation.get(id(operation))
        if found is None or found[0] is not operation:
            found = (operation, not _uses_directives(operation, executor.fragments))
            self.per_operation[id(operation)] = found
            if len(self.per_operation) > PLANS_MAX:
                self.per_operation.popitem(last=False)
        return found[1]

    def plan(self, executor: Any, return_type: GraphQLObjectType | GraphQLList[Any], details: Any,
             kind: str = "value") -> Complete | None:
        """The completion of `details` of `return_type` (kind "value"), or the resolution and
        completion of the field `details` of the object type `return_type` (kind "field"); None
        where the executor must do it."""
        local = executor.__dict__.setdefault("_plans", {})
        key = (kind, id(return_type), id(details))
        found = local.get(key)
        if found is not None:
            return found[1]
        shared = self.shared(executor)
        nodes = tuple(d.node for d in details)
        gkey = (kind, id(executor.operation), id(return_type), *map(id, nodes))
        entry = self.plans.get(gkey) if shared else None
        if entry is not None and entry[0][0] is executor.operation and entry[0][1] == nodes:
            plan = entry[1]
        else:
            compiler = Compiler(executor)
            plan = compiler.value(return_type, details) if kind == "value" else compiler.field(return_type, details)
            self.compiled += 1
            if shared:
                self.plans[gkey] = ((executor.operation, nodes), plan)
                if len(self.plans) > PLANS_MAX:
                    self.plans.popitem(last=False)
        local[key] = (details, plan)
        return plan


PLANNER = Planner()


class PlannedExecutor(StrawberryGraphQLCoreExecutionContext):
    """strawberry's executor, completing planned objects and lists by their plans."""

    planning = True

    def execute_operation(self, serially: bool | None = None) -> Any:
        result = super().execute_operation(serially)
        if not self.is_awaitable(result):
            self._release()
            return result
        return self._released_after(result)

    async def _released_after(self, pending: Any) -> Any:
        try:
            return await pending
        finally:
            self._release()

    def _release(self) -> None:
        """An executor refers to itself (its resolve infos' helpers are its bound methods) and holds
        the request's context; once the result exists, dropping the helpers and the plans' state
        lets reference counting free the request instead of the cyclic collector."""
        self.__dict__.pop("_plan_args", None)
        self.__dict__.pop("_plans", None)
        self.async_helpers = None

    def execute_field(self, parent_type: Any, source: Any, details: Any, path: Any, position_context: Any) -> Any:
        planned = self._planned(parent_type, details, source, "field")
        if planned is not _NOT_PLANNED:
            return self._verify("execute_field", planned, path, parent_type, source, details, path,
                                position_context) if VERIFY else planned
        return super().execute_field(parent_type, source, details, path, position_context)

    def complete_object_value(self, return_type: Any, details: Any, info: Any, path: Any, result: Any,
                              position_context: Any) -> Any:
        return self._completed("complete_object_value", return_type, details, info, path, result, position_context)

    def complete_list_value(self, return_type: Any, details: Any, info: Any, path: Any, result: Any,
                            position_context: Any) -> Any:
        return self._completed("complete_list_value", return_type, details, info, path, result, position_context)

    def _completed(self, method: str, return_type: Any, details: Any, info: Any, path: Any, result: Any,
                   position_context: Any) -> Any:
        """An object's or list's value by its plan, else by graphql-core's `method`."""
        planned = self._planned(return_type, details, result)
        if planned is _NOT_PLANNED:
            return getattr(super(), method)(return_type, details, info, path, result, position_context)
        return self._verify(method, planned, path, return_type, details, info, path, result,
                            position_context) if VERIFY else planned

    def _planned(self, gtype: Any, details: Any, value: Any, kind: str = "value") -> Any:
        if not (ENABLED and self.planning) or (self.middleware_manager is not None
                                               and self.middleware_manager.middlewares):
            return _NOT_PLANNED
        plan = PLANNER.plan(self, gtype, details, kind)
        if plan is None:
            return _NOT_PLANNED
        try:
            done = plan(value, self)
        except Exception:  # noqa: BLE001 - Bail or any error: the executor completes it, errors and all
            return _NOT_PLANNED
        PLANNER.used += 1
        return done

    def _verify(self, method: str, planned: Any, path: Any, *args: Any) -> Any:
        """The same completion by graphql-core alone, compared with the plan's (test suite)."""
        twin = copy.copy(self)
        twin.planning = False
        twin.collected_errors = CollectedErrors()
        try:
            expected = getattr(super(PlannedExecutor, twin), method)(*args)
        except Exception as exc:  # noqa: BLE001
            expected = exc
        if not self.is_awaitable(expected):
            return _compare(planned, expected, twin, path.as_list())

        async def settle() -> Any:
            try:
                done = await expected
            except Exception as exc:  # noqa: BLE001
                done = exc
            return _compare(planned, done, twin, path.as_list())
        return settle()


_NOT_PLANNED = object()
ENABLED = os.environ.get("CANOPY_PLAN", "1") != "0"


def _compare(planned: Any, expected: Any, twin: Any, where: list[Any]) -> Any:
    errors = twin.collected_errors.errors
    same = not errors and not isinstance(expected, Exception) and (
        orjson.dumps(planned, default=repr) == orjson.dumps(expected, default=repr))
    if not same:
        MISMATCHES.append(f"at {where}: planned {planned!r:.300} but the executor gave {expected!r:.300} {errors!r:.300}")
    return planned


__all__ = ["ENABLED", "MISMATCHES", "PLANNER", "VERIFY", "Bail", "PlannedExecutor"]

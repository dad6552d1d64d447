"""The compiler of planned execution (schema/plan.py): a selection set over the schema's types
turned into nested completion functions, one generated function per object type."""

from __future__ import annotations

import datetime
import decimal
import inspect
import keyword
import types
from collections.abc import Callable
from typing import Any

from graphql import (
    GraphQLObjectType,
    Undefined,
    is_leaf_type,
    is_list_type,
    is_non_null_type,
    is_object_type,
)
from graphql.execution.values import get_argument_values
from strawberry.types.arguments import convert_arguments


class Bail(Exception):
    """A value the plan does not complete itself: graphql-core completes that object instead."""


Complete = Callable[[Any, Any], Any]  # (value, executor) -> the completed JSON value


class Compiler:
    def __init__(self, executor: Any) -> None:
        self.executor = executor
        strawberry_schema = executor.schema._strawberry_schema  # noqa: SLF001
        self.converter = strawberry_schema.schema_converter
        self.default_resolver = strawberry_schema.config.default_resolver
        self.handlers = bool(strawberry_schema.exception_handlers)

    def value(self, gtype: Any, details: Any) -> Complete | None:
        if is_non_null_type(gtype):
            inner = self.value(gtype.of_type, details)
            return None if inner is None else _non_null(inner)
        if is_list_type(gtype):
            inner = self.value(gtype.of_type, details)
            return None if inner is None else _list(inner)
        if is_leaf_type(gtype):
            return _leaf(gtype)
        if is_object_type(gtype):
            return self.object(gtype, details)
        return None  # an interface or union: its runtime type is the executor's to resolve

    def object(self, gtype: GraphQLObjectType, details: Any) -> Complete | None:
        if any(d.defer_usage is not None or d.fragment_variable_values is not None for d in details):
            return None
        grouped, defers, forbidden = self.executor.collect_subfields(gtype, details)
        if defers or forbidden:  # @defer, and directives the executor reports as errors
            return None
        fields: list[tuple[str, Callable[[Any, Any], Any], Complete]] = []
        for key, sub in grouped.items():
            if any(d.defer_usage is not None or d.fragment_variable_values is not None for d in sub):
                return None
            name = sub[0].node.name.value
            if name == "__typename":
                type_name = gtype.name
                fields.append((key, lambda _src, _ex, n=type_name: n, _identity))
                continue
            definition = gtype.fields.get(name)
            if definition is None:
                return None
            resolve = self.resolver(gtype, definition, sub)
            complete = self.value(definition.type, sub) if resolve is not None else None
            if complete is None:
                return None
            fields.append((key, resolve, complete))
        return _object(gtype.name, gtype.is_type_of, tuple(fields))

    def field(self, gtype: GraphQLObjectType, details: Any) -> Complete | None:
        """One field of an object graphql-core completes (it has other fields no plan can do)."""
        name = details[0].node.name.value
        definition = gtype.fields.get(name)
        if definition is None or any(d.defer_usage is not None or d.fragment_variable_values is not None
                                     for d in details):
            return None
        resolve = self.resolver(gtype, definition, details)
        complete = self.value(definition.type, details) if resolve is not None else None
        if complete is None:
            return None
        return lambda src, executor: complete(resolve(src, executor), executor)

    def resolver(self, gtype: GraphQLObjectType, definition: Any, sub: Any) -> Callable[[Any, Any], Any] | None:
        field = definition.extensions.get("strawberry-definition")
        if field is None or field.extensions or definition.resolve is None:
            return None
        if getattr(definition.resolve, "_is_default", False):
            name, read = field.python_name, self.default_resolver

            def attribute(src: Any, executor: Any) -> Any:
                value = read(src, name)
                return value if type(value) in _PLAIN else _plain(value, executor)
            attribute.attribute = name if read is getattr else None  # type: ignore[attr-defined]
            return attribute
        resolver = field.base_resolver
        if resolver is None or field.is_async or self.handlers:
            return None
        return _Call(self.converter, gtype, definition, field, resolver, sub)


class _Call:
    """A synchronous resolver: its arguments coerced and its Info built once per execution."""

    __slots__ = ("converter", "definition", "field", "fn", "gtype", "kw_source", "nodes", "pass_self", "sub")

    def __init__(self, converter: Any, gtype: Any, definition: Any, field: Any, resolver: Any, sub: Any) -> None:
        self.converter, self.gtype, self.definition, self.field, self.sub = converter, gtype, definition, field, sub
        self.nodes = [d.node for d in sub]
        self.fn = resolver.wrapped_func
        self.pass_self = resolver.self_parameter is not None
        parent = resolver.parent_parameter or resolver.root_parameter
        self.kw_source = parent.name if parent is not None else None

    def kwargs(self, executor: Any) -> dict[str, Any]:
        slots = executor.__dict__.setdefault("_plan_args", {})
        found = slots.get(id(self))
        if found is None:
            found = slots[id(self)] = (self, self._kwargs(executor))
        return found[1]

    def _kwargs(self, executor: Any) -> dict[str, Any]:
        from graphql.pyutils import Path

        node = self.nodes[0]
        raw = (get_argument_values(self.definition, node, executor.variable_values, None, executor.hide_suggestions)
               if self.definition.args or node.arguments else {})
        # The path names the field, not the row: resolvers read the context, arguments and
        # selection from their Info, never the path (errors are located by the executor).
        info = self.converter.config.info_class(
            _raw_info=executor.build_resolve_info(self.definition, self.nodes, self.gtype, Path(None, node.name.value, self.gtype.name)),
            _field=self.field)
        kwargs = convert_arguments(raw, self.field.arguments, scalar_registry=self.converter.scalar_registry,
                                   config=self.converter.config, info=info)
        resolver = self.field.base_resolver
        if resolver.info_parameter is not None:
            kwargs[resolver.info_parameter.name] = info
        return kwargs

    def __call__(self, src: Any, executor: Any) -> Any:
        kwargs = self.kwargs(executor)
        if self.kw_source is not None:
            kwargs = {**kwargs, self.kw_source: src}
        value = self.fn(src, **kwargs) if self.pass_self else self.fn(**kwargs)
        if executor.is_awaitable(value) and inspect.iscoroutine(value):
            value.close()  # the executor calls the resolver again and awaits its own
        return value if type(value) in _PLAIN else _plain(value, executor)


# Types whose values are neither awaitable nor an exception, checked by exact type first (grows
# with the types _plain has seen).
_SAME = {"String": str, "ID": str, "Boolean": bool}
_PLAIN = {str, int, float, bool, type(None), list, tuple, dict, datetime.datetime, datetime.date, decimal.Decimal}


def _plain(value: Any, executor: Any) -> Any:
    if isinstance(value, Exception) or executor.is_awaitable(value):
        raise Bail
    kind = type(value)
    if not (issubclass(kind, (types.CoroutineType, types.GeneratorType)) or hasattr(kind, "__await__")):
        _PLAIN.add(kind)  # instances of this type are never awaitable: checked by type from now on
    return value


def _identity(value: Any, _executor: Any) -> Any:
    return value


def _leaf(gtype: Any) -> Complete:
    coerce = gtype.coerce_output_value
    same = _SAME.get(gtype.name)  # built-in scalars return values of their own type unchanged

    def complete(value: Any, _executor: Any) -> Any:
        if type(value) is same:
            return value
        if value is None or value is Undefined:
            return None
        out = coerce(value)
        if out is None or out is Undefined:
            raise Bail
        return out
    complete.same = same  # type: ignore[attr-defined]
    return complete


def _non_null(inner: Complete) -> Complete:
    def complete(value: Any, executor: Any) -> Any:
        out = inner(value, executor)
        if out is None:
            raise Bail
        return out
    complete.inner = inner  # type: ignore[attr-defined]
    return complete


def _list(inner: Complete) -> Complete:
    def complete(value: Any, executor: Any) -> Any:
        if value is None or value is Undefined:
            return None
        if not isinstance(value, (list, tuple)):
            raise Bail  # other iterables (and non-iterables' errors) as the executor does them
        return [inner(item, executor) for item in value]
    return complete


def _object(name: str, is_type_of: Any, fields: tuple[tuple[str, Callable[[Any, Any], Any], Complete], ...]) -> Complete:
    """The object's completion as one generated function: a plain attribute of a built-in scalar
    is read and checked inline, everything else calls its resolve and complete closures."""
    env: dict[str, Any] = {"Undefined": Undefined, "Bail": Bail, "is_type_of": is_type_of, "PLAIN": _PLAIN,
                           "plain": _plain}
    lines = ["def complete(src, ex):", "    if src is None or src is Undefined:", "        return None"]
    if is_type_of is not None:
        lines += ["    if not is_type_of(src, None):", "        raise Bail"]
    values = []
    for i, (key, resolve, finish) in enumerate(fields):
        env[f"r{i}"], env[f"c{i}"] = resolve, finish
        attribute = getattr(resolve, "attribute", None)
        if attribute is None or not attribute.isidentifier() or keyword.iskeyword(attribute):
            lines.append(f"    v{i} = c{i}(r{i}(src, ex), ex)")
        else:
            lines.append(f"    v{i} = src.{attribute}")
            same = getattr(finish, "same", None)
            strict = getattr(getattr(finish, "inner", None), "same", None)
            if same is not None or strict is not None:
                env[f"t{i}"] = same or strict
                check = f"type(v{i}) is not t{i}" if strict else f"v{i} is not None and type(v{i}) is not t{i}"
                lines += [f"    if {check}:", f"        v{i} = c{i}(plain(v{i}, ex), ex)"]
            else:
                lines.append(f"    v{i} = c{i}(v{i} if type(v{i}) in PLAIN else plain(v{i}, ex), ex)")
        values.append(f"{key!r}: v{i}")
    lines.append("    return {" + ", ".join(values) + "}")
    exec(compile("\n".join(lines), f"<plan of {name}>", "exec"), env)  # noqa: S102 - generated from the schema only
    return env["complete"]

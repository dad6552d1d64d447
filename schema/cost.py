"""Static query cost: what a document may make the server do, known before it runs.

Every selected field costs 1 per parent it is resolved for. A field taking
`first`/`last` multiplies the cost of what it selects by that value (the
default page size when absent); a field taking `ids` by how many ids it gets.
So `customers(first: 100) { edges { node { name email } } }` costs about 400.
"""

from __future__ import annotations

from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLField,
    GraphQLSchema,
    InlineFragmentNode,
    SelectionSetNode,
    VariableNode,
    get_named_type,
    get_operation_ast,
    value_from_ast_untyped,
)

from schema.relay import DEFAULT_PAGE_SIZE

PAGE_ARGS = ("first", "last")
LIST_ARGS = ("ids",)


def _argument(node: FieldNode, name: str, variables: dict[str, Any]) -> Any:
    for arg in node.arguments or ():
        if arg.name.value == name:
            if isinstance(arg.value, VariableNode):
                return variables.get(arg.value.name.value)
            return value_from_ast_untyped(arg.value, variables)
    return None


def _multiplier(field: GraphQLField, node: FieldNode, variables: dict[str, Any]) -> int:
    names = field.args.keys()
    if not any(a in names for a in (*PAGE_ARGS, *LIST_ARGS)):
        return 1
    args = {name: _argument(node, name, variables) for name in (*PAGE_ARGS, *LIST_ARGS)}
    for name in PAGE_ARGS:
        if isinstance(args.get(name), int) and not isinstance(args[name], bool):
            return max(args[name], 1)
    for name in LIST_ARGS:
        if isinstance(args.get(name), list):
            return max(len(args[name]), 1)
    return DEFAULT_PAGE_SIZE


class _Walker:
    def __init__(self, schema: GraphQLSchema, document: DocumentNode, variables: dict[str, Any]) -> None:
        self.schema = schema
        self.variables = variables
        self.fragments = {
            d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        }

    def cost(self, selection_set: SelectionSetNode, parent: Any, multiplier: int, seen: frozenset[str]) -> int:
        total = 0
        for sel in selection_set.selections:
            if isinstance(sel, FieldNode):
                fields = getattr(parent, "fields", {})
                field = fields.get(sel.name.value)
                if field is None:
                    continue  # __typename, introspection, or a union without a fragment
                total += multiplier
                if sel.selection_set is not None:
                    inner = multiplier * _multiplier(field, sel, self.variables)
                    total += self.cost(sel.selection_set, get_named_type(field.type), inner, seen)
            elif isinstance(sel, InlineFragmentNode):
                target = self.schema.get_type(sel.type_condition.name.value) if sel.type_condition else parent
                total += self.cost(sel.selection_set, target, multiplier, seen)
            elif isinstance(sel, FragmentSpreadNode):
                name = sel.name.value
                fragment = self.fragments.get(name)
                if fragment is None or name in seen:
                    continue  # validation reports unknown or cyclic fragments
                target = self.schema.get_type(fragment.type_condition.name.value)
                total += self.cost(fragment.selection_set, target, multiplier, seen | {name})
        return total


def query_cost(
    schema: GraphQLSchema, document: DocumentNode, operation_name: str | None,
    variables: dict[str, Any] | None,
) -> int:
    operation = get_operation_ast(document, operation_name)
    if operation is None:
        return 0
    root = schema.get_root_type(operation.operation)
    if root is None:
        return 0
    return _Walker(schema, document, variables or {}).cost(operation.selection_set, root, 1, frozenset())

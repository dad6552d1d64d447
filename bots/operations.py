"""The bot's GraphQL documents, fitted at startup to the schema this server actually has.

Each `operations/*.graphql` file holds one operation and the optional fragments it
spreads. A fragment that does not validate against the schema (a domain not
merged yet, a field not there) is left out of the operation, so the bot asks
only for what exists and says precisely what is missing instead of failing.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from graphql import (
    REMOVE,
    DocumentNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLSchema,
    OperationDefinitionNode,
    Visitor,
    parse,
    print_ast,
    specified_rules,
    validate,
    visit,
)
from graphql.validation import NoUnusedFragmentsRule

log = logging.getLogger("canopy.bots")
OPERATIONS = Path(__file__).parent / "operations"
_FRAGMENT_RULES = [rule for rule in specified_rules if rule is not NoUnusedFragmentsRule]


@dataclass
class Operation:
    name: str
    source: str
    fragments: frozenset[str]  # the optional fragments this schema supports
    missing: frozenset[str] = field(default_factory=frozenset)


class _StripSpreads(Visitor):
    def __init__(self, keep: set[str]) -> None:
        super().__init__()
        self.keep = keep

    def enter_fragment_spread(self, node: FragmentSpreadNode, *_: Any) -> Any:
        return None if node.name.value in self.keep else REMOVE


def _document(op: OperationDefinitionNode, fragments: dict[str, FragmentDefinitionNode],
              keep: set[str]) -> DocumentNode:
    stripped = visit(op, _StripSpreads(keep))
    return DocumentNode(definitions=(stripped, *(fragments[name] for name in sorted(keep))))


def _valid(schema: GraphQLSchema, doc: DocumentNode, rules: Any = None) -> bool:
    return not validate(schema, doc, rules)


def fit_operation(schema: GraphQLSchema, source: str) -> Operation | None:
    """The operation in `source` with the fragments this schema supports; None if it cannot run."""
    doc = parse(source)
    ops = [d for d in doc.definitions if isinstance(d, OperationDefinitionNode)]
    fragments = {d.name.value: d for d in doc.definitions if isinstance(d, FragmentDefinitionNode)}
    assert len(ops) == 1 and ops[0].name is not None, "one named operation per file"
    op = ops[0]
    usable: set[str] = set()
    for name, fragment in fragments.items():  # greedy: keep each fragment that still validates
        alone = DocumentNode(definitions=(fragment,))
        if _valid(schema, alone, _FRAGMENT_RULES) and _valid(schema, _document(op, fragments, usable | {name})):
            usable.add(name)
    final = _document(op, fragments, usable)
    if not _valid(schema, final):
        return None
    return Operation(name=op.name.value, source=print_ast(final), fragments=frozenset(usable),
                     missing=frozenset(fragments) - usable)


@cache
def fitted(schema: GraphQLSchema) -> dict[str, Operation]:
    """Every operation that can run on `schema`, by operation name."""
    out: dict[str, Operation] = {}
    for path in sorted(OPERATIONS.glob("*.graphql")):
        op = fit_operation(schema, path.read_text(encoding="utf-8"))
        if op is None:
            log.info("bot operation %s is not supported by this schema", path.stem)
            continue
        out[op.name] = op
    return out

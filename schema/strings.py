"""Every String input (variables and literals, `login` included) checked once, before execution:
no text reaches a resolver that a column cannot store or a search cannot run."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from graphql import StringValueNode, Visitor, visit
from strawberry.extensions import SchemaExtension
from strawberry.types import ExecutionResult

from schema.by_identity import ByIdentity
from schema.errors import bad_input

# Longer than any column and than any search worth running (SQLite faults on a 900 KB LIKE).
MAX_STRING = 100_000


def string_problem(value: str) -> str | None:
    if len(value) > MAX_STRING:
        return f"a string may hold at most {MAX_STRING} characters"
    if "\x00" in value:
        return "a string must not contain NUL characters"
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return "a string must be valid Unicode (no lone surrogates)"
    return None


def _values(value: Any) -> Iterator[str]:
    stack = [value]
    while stack:
        v = stack.pop()
        if isinstance(v, str):
            yield v
        elif isinstance(v, dict):
            stack.extend(v.keys())
            stack.extend(v.values())
        elif isinstance(v, list):
            stack.extend(v)


class _Literals(Visitor):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def enter_string_value(self, node: StringValueNode, *_: Any) -> None:
        self.found.append(node.value)


def _literal_problem(document: Any) -> str | None:
    """The first problem among a document's string literals."""
    literals = _Literals()
    visit(document, literals)
    return next((p for p in map(string_problem, literals.found) if p), None)


# Parsed documents are cached and reused (ParserCache), so the visit runs once per document,
# not per request: it was ~8 % of the bot's lookup.
_LITERAL_PROBLEM = ByIdentity(_literal_problem, 1024)


class CleanStrings(SchemaExtension):
    def on_execute(self) -> Iterator[None]:
        ctx = self.execution_context
        if not ctx.result:
            problem = next((p for p in map(string_problem, _values(ctx.variables or {})) if p), None)
            if problem is None and ctx.graphql_document is not None:
                problem = _LITERAL_PROBLEM(ctx.graphql_document)
            if problem:
                ctx.result = ExecutionResult(data=None, errors=[bad_input(problem)])
        yield

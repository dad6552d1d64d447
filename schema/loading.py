"""Generic per-request loaders: rows by primary key, in the caller's tenant.

The selects are resolvers.common.batch's; this module only batches and caches them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from graphql import FieldNode, FragmentSpreadNode, InlineFragmentNode
from strawberry.dataloader import DataLoader
from strawberry.types import Info

from db.session import DbSession
from resolvers.common import batch


def by_id(ctx: Any, model: Any) -> DataLoader[int, Any]:
    """`model` rows by id (None where missing); one IN query per batch."""

    async def load(session: DbSession, ids: Sequence[int]) -> list[Any]:
        return await batch.rows_by_id(session, model, ids)

    return ctx.loader(("by_id", model.__name__), load)


def many_by(ctx: Any, model: Any, column: Any, *, order_by: Sequence[Any] = ()) -> DataLoader[Any, list[Any]]:
    """All `model` rows whose `column` equals each key, as lists; one query per batch."""

    async def load(session: DbSession, keys: Sequence[Any]) -> list[list[Any]]:
        return await batch.rows_by(session, model, column, keys, order_by)

    return ctx.loader(("many_by", model.__name__, column.key), load)


MISS: Any = object()


def peek(loader: DataLoader[Any, Any], key: Any) -> Any:
    """The value `loader` already holds for `key` in this request, else MISS.

    Lets a resolver answer synchronously when the page's resolver prefetched what it
    needs: graphql-core then completes the field inline instead of awaiting a task.
    """
    future = loader.cache_map.get(key) if loader.cache else None
    if future is None or not future.done() or future.cancelled() or future.exception() is not None:
        return MISS
    return future.result()


def _collect(selection_set: Any, name: str, fragments: dict[str, Any], out: list[FieldNode]) -> None:
    for sel in selection_set.selections:
        if isinstance(sel, FieldNode):
            if sel.name.value == name:
                out.append(sel)
        elif isinstance(sel, FragmentSpreadNode):
            fragment = fragments.get(sel.name.value)
            if fragment is not None:
                _collect(fragment.selection_set, name, fragments, out)
        elif isinstance(sel, InlineFragmentNode):
            _collect(sel.selection_set, name, fragments, out)


def selected(info: Info, *path: str) -> list[FieldNode]:
    """The field nodes at `path` below the field being resolved (through fragments and aliases).

    @skip/@include are not evaluated: a prefetch for a skipped field costs a statement, never a
    wrong answer.
    """
    raw = info._raw_info
    nodes: list[FieldNode] = list(raw.field_nodes)
    for name in path:
        found: list[FieldNode] = []
        for node in nodes:
            if node.selection_set is not None:
                _collect(node.selection_set, name, raw.fragments, found)
        if not found:
            return []
        nodes = found
    return nodes

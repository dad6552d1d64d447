"""Statements built once per shape: a bounded cache, and a hashable key for criteria.

A statement object reused across requests also keeps its memoized SQLAlchemy cache key, so
neither the select nor its key is rebuilt per request.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from typing import Any

MAX_SHAPES = 512


class ShapeCache:
    """Statements by shape; cleared when full (shapes are few: a bound against a leak)."""

    def __init__(self, limit: int = MAX_SHAPES) -> None:
        self.limit, self.found = limit, dict[Hashable, Any]()

    def get(self, shape: Hashable, build: Callable[[], Any]) -> Any:
        stmt = self.found.get(shape)
        if stmt is None:
            if len(self.found) >= self.limit:
                self.found.clear()
            stmt = self.found[shape] = build()
        return stmt


def _frozen(value: Any) -> Hashable:
    if isinstance(value, list | tuple | set | frozenset):
        return tuple(_frozen(v) for v in value)
    hash(value)  # TypeError: not a shape
    return value


def where_key(where: Sequence[Any]) -> Hashable | None:
    """Criteria's structure and bound values (what SQLAlchemy's cache key holds, values
    included): equal keys, same SQL and same parameters. None when not cacheable."""
    keys: list[Hashable] = []
    for clause in where:
        found = clause._generate_cache_key()
        if found is None:
            return None
        try:
            keys.append((found.key, tuple(_frozen(b.effective_value) for b in found.bindparams)))
        except TypeError:
            return None
    return tuple(keys)
